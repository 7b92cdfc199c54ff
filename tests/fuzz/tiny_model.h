/* tiny_model.h - a small compact-SR graph (two convolutions, PReLU, PixelShuffle, a nearest
 * upsampled skip) used as the fixed graph of the .bin fuzz target. Its weights, in the seed
 * corpus, are c0 as fp32 and c1 as fp16, so both storage paths are exercised. */
#ifndef SR_TINY_MODEL_H
#define SR_TINY_MODEL_H

static const char tiny_param[] = "7767517\n"
                                 "8 9\n"
                                 "Input in 0 1 data\n"
                                 "Split sp 1 2 data d0 d1\n"
                                 "Convolution c0 1 1 d0 x0 0=8 1=3 4=1 5=1 6=216\n"
                                 "PReLU p0 1 1 x0 x1 0=8\n"
                                 "Convolution c1 1 1 x1 x2 0=12 1=3 4=1 5=1 6=864\n"
                                 "PixelShuffle ps 1 1 x2 x3 0=2\n"
                                 "Interp up 1 1 d1 x4 0=1 1=2.0 2=2.0\n"
                                 "BinaryOp add 2 1 x3 x4 output 0=0\n";

#endif
