/* cmd_stream.c - `srgan stream`: YUV4MPEG2 frames in on stdin, upscaled YUV4MPEG2 out on stdout,
 * for people who build their own pipelines (ffmpeg ... -f yuv4mpegpipe - | srgan stream |
 * ffmpeg -i - ...). The output keeps the input's frame rate, interlacing, pixel aspect, chroma
 * format and range; only the size changes.
 *
 * Colour: YUV4MPEG2 does not say which matrix its YCbCr uses; ffmpeg writes BT.601 by default,
 * so BT.601 it is, limited range unless the header says XCOLORRANGE=FULL. Chroma is upsampled by
 * repetition on the way in and averaged over each 2x2 or 2x1 block on the way out. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int w, h;
    int cw, ch; /* chroma plane size; 0 for mono */
    int sx, sy; /* chroma subsampling shifts */
    int full;   /* full-range (JPEG) levels */
    char rest[512]; /* the header's other fields (F, I, A, C, X...), written back unchanged */
} y4m;

/* Parses "YUV4MPEG2 W.. H.. ..." (8-bit formats only); 0 or -1 with why. */
static int parse_header(const char *line, y4m *v, const char **why)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", line);
    memset(v, 0, sizeof *v);
    const char *cs = "420jpeg";
    char *save = NULL, *tok = strtok_r(buf, " \n", &save);
    if (!tok || strcmp(tok, "YUV4MPEG2")) {
        *why = "not a YUV4MPEG2 stream";
        return -1;
    }
    size_t n = 0;
    while ((tok = strtok_r(NULL, " \n", &save))) {
        if (tok[0] == 'W')
            v->w = atoi(tok + 1);
        else if (tok[0] == 'H')
            v->h = atoi(tok + 1);
        else {
            if (tok[0] == 'C')
                cs = tok + 1;
            if (!strcmp(tok, "XCOLORRANGE=FULL"))
                v->full = 1;
            n += (size_t)snprintf(v->rest + n, n < sizeof v->rest ? sizeof v->rest - n : 0, " %s",
                                  tok);
        }
    }
    if (!strncmp(cs, "420", 3) && (!cs[3] || !strcmp(cs + 3, "jpeg") || !strcmp(cs + 3, "mpeg2") ||
                                   !strcmp(cs + 3, "paldv")))
        v->sx = v->sy = 1;
    else if (!strcmp(cs, "422"))
        v->sx = 1;
    else if (!strcmp(cs, "444") || !strcmp(cs, "mono"))
        ;
    else {
        *why = "only 8-bit 4:2:0, 4:2:2, 4:4:4 and mono YUV4MPEG2 are supported";
        return -1;
    }
    if (v->w < 1 || v->h < 1 || v->w > 65536 || v->h > 65536 || n >= sizeof v->rest) {
        *why = "bad frame size in the header";
        return -1;
    }
    if (strcmp(cs, "mono")) {
        v->cw = (v->w + v->sx) >> v->sx;
        v->ch = (v->h + v->sy) >> v->sy;
    }
    return 0;
}

static size_t frame_bytes(const y4m *v)
{
    return (size_t)v->w * v->h + 2 * (size_t)v->cw * v->ch;
}

static uint8_t clamp8(float x)
{
    return (uint8_t)(x <= 0 ? 0 : x >= 255 ? 255 : lrintf(x));
}

/* BT.601: E'y = 0.299 R + 0.587 G + 0.114 B; limited range puts luma on 16..235, chroma on
 * 16..240. */
static void to_rgb(const y4m *v, const uint8_t *f, sr_image *img)
{
    const uint8_t *Y = f, *U = f + (size_t)v->w * v->h, *V = U + (size_t)v->cw * v->ch;
    float ys = v->full ? 1.f : 255.f / 219, cs = v->full ? 1.f : 255.f / 224, y0 = v->full ? 0 : 16;
    for (int y = 0; y < v->h; y++)
        for (int x = 0; x < v->w; x++) {
            float l = (Y[(size_t)y * v->w + x] - y0) * ys, cb = 0, cr = 0;
            if (v->cw) {
                size_t c = (size_t)(y >> v->sy) * v->cw + (size_t)(x >> v->sx);
                cb = (U[c] - 128.f) * cs, cr = (V[c] - 128.f) * cs;
            }
            uint8_t *p = img->data + ((size_t)y * v->w + x) * 3;
            p[0] = clamp8(l + 1.402f * cr);
            p[1] = clamp8(l - 0.344136f * cb - 0.714136f * cr);
            p[2] = clamp8(l + 1.772f * cb);
        }
}

static void from_rgb(const y4m *v, const sr_image *img, uint8_t *f)
{
    uint8_t *Y = f, *U = f + (size_t)v->w * v->h, *V = U + (size_t)v->cw * v->ch;
    float ys = v->full ? 1.f : 219.f / 255, cs = v->full ? 1.f : 224.f / 255, y0 = v->full ? 0 : 16;
    for (int y = 0; y < v->h; y++)
        for (int x = 0; x < v->w; x++) {
            const uint8_t *p = img->data + ((size_t)y * v->w + x) * 3;
            Y[(size_t)y * v->w + x] = clamp8(y0 + ys * (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]));
        }
    for (int cy = 0; cy < v->ch; cy++)
        for (int cx = 0; cx < v->cw; cx++) {
            float cb = 0, cr = 0;
            int n = 0;
            for (int y = cy << v->sy; y < ((cy + 1) << v->sy) && y < v->h; y++)
                for (int x = cx << v->sx; x < ((cx + 1) << v->sx) && x < v->w; x++, n++) {
                    const uint8_t *p = img->data + ((size_t)y * v->w + x) * 3;
                    cb += -0.168736f * p[0] - 0.331264f * p[1] + 0.5f * p[2];
                    cr += 0.5f * p[0] - 0.418688f * p[1] - 0.081312f * p[2];
                }
            U[(size_t)cy * v->cw + cx] = clamp8(128 + cs * cb / n);
            V[(size_t)cy * v->cw + cx] = clamp8(128 + cs * cr / n);
        }
}

/* The "FRAME[ params]\n" line before each frame; 1 read, 0 clean end, -1 malformed. */
static int frame_line(FILE *in)
{
    char line[256];
    if (!fgets(line, sizeof line, in))
        return 0;
    return !strncmp(line, "FRAME", 5) && strchr(line, '\n') ? 1 : -1;
}

/* Longer than most for the same reason as cmd_video: one place owns the frame buffers and the
 * runners, and every way out (end of stream, a bad frame, a signal) frees them in one order. */
int cmd_stream(int argc, char **argv)
{
    cli_options o;
    int rc = cli_parse_options(argc, argv, "stream", "[options] < IN.y4m > OUT.y4m", 0, &o);
    if (rc >= 0)
        return rc;
    sr_model *m = NULL, *blend = NULL;
    if ((rc = cli_load_model(&(cli_model_opts){o.model, o.family, o.scale, 0, o.noise, o.bf16}, &m)))
        return rc;
    sr_error err;
    char line[1024];
    const char *why = NULL;
    y4m vi = {0}, vo = {0};
    if ((rc = cli_check_denoise(&o, "stream", m)) < 0 && o.denoise > 0 &&
        sr_model_denoise(m, o.denoise, &blend, &err)) {
        fprintf(stderr, "srgan stream: %s\n", err.msg);
        rc = SR_EXIT_USAGE;
    }
    if (rc < 0 && (!fgets(line, sizeof line, stdin) || parse_header(line, &vi, &why))) {
        fprintf(stderr, "srgan stream: standard input: %s\n", why ? why : "no YUV4MPEG2 header");
        rc = SR_EXIT_FAILED;
    }
    int T = o.threads, S = o.scale ? o.scale : sr_model_scale(m);
    if (rc < 0) {
        vo = vi;
        vo.w = vi.w * S, vo.h = vi.h * S;
        vo.cw = vi.cw ? (vo.w + vo.sx) >> vo.sx : 0, vo.ch = vi.ch ? (vo.h + vo.sy) >> vo.sy : 0;
        printf("YUV4MPEG2 W%d H%d%s\n", vo.w, vo.h, vi.rest);
    }
    sr_net **nets = calloc((size_t)T, sizeof *nets);
    sr_image *src = calloc((size_t)T, sizeof *src), *dst = calloc((size_t)T, sizeof *dst);
    sr_status *st = calloc((size_t)T, sizeof *st);
    sr_error *errs = calloc((size_t)T, sizeof *errs);
    uint8_t *fin = malloc(frame_bytes(&vi)), *fout = rc < 0 ? malloc(frame_bytes(&vo)) : NULL;
    if (rc < 0 && (!nets || !src || !dst || !st || !errs || !fin || !fout)) {
        fprintf(stderr, "srgan stream: out of memory\n");
        rc = SR_EXIT_FAILED;
    }
    for (int i = 0; rc < 0 && i < T; i++)
        if (sr_net_create(m, o.tile, &nets[i], &err) || sr_image_alloc(&src[i], vi.w, vi.h, 3, &err)) {
            fprintf(stderr, "srgan stream: %s\n", err.msg);
            rc = SR_EXIT_FAILED;
        }
    cli_catch_stop_signals(NULL);
    sr_upscale_params up = sr_upscale_default_params();
    up.tta = o.tta, up.scale = o.scale;
    long frames = 0;
    int eof = 0;
    while (rc < 0 && !eof && !cli_stop) {
        int n = 0;
        while (n < T && !eof && rc < 0) {
            int r = frame_line(stdin);
            if (r > 0 && fread(fin, 1, frame_bytes(&vi), stdin) != frame_bytes(&vi))
                r = -1;
            if (r < 0) {
                fprintf(stderr, "srgan stream: standard input: frame %ld is truncated or has no "
                        "FRAME line\n", frames + n + 1);
                rc = SR_EXIT_FAILED;
            } else if (r > 0) {
                to_rgb(&vi, fin, &src[n++]);
            }
            eof = r == 0;
        }
        if (rc < 0 && n && sr_upscale_images(blend ? blend : m, nets, T, &up, src, dst, n, st, errs)) {
            for (int i = 0; i < n && rc < 0; i++)
                if (st[i]) {
                    fprintf(stderr, "srgan stream: frame %ld: %s\n", frames + i + 1, errs[i].msg);
                    rc = SR_EXIT_FAILED;
                }
        }
        for (int i = 0; i < n; i++) {
            if (rc < 0) {
                from_rgb(&vo, &dst[i], fout);
                if (printf("FRAME\n") < 0 || fwrite(fout, 1, frame_bytes(&vo), stdout) != frame_bytes(&vo)) {
                    fprintf(stderr, "srgan stream: standard output: write failed\n");
                    rc = SR_EXIT_FAILED;
                }
            }
            sr_image_free(&dst[i]);
        }
        frames += n;
    }
    if (rc < 0 && fflush(stdout) != 0) {
        fprintf(stderr, "srgan stream: standard output: write failed\n");
        rc = SR_EXIT_FAILED;
    }
    if (rc < 0)
        rc = cli_stop ? 128 + cli_stop : SR_EXIT_OK;
    for (int i = 0; i < T; i++) {
        if (nets)
            sr_net_free(nets[i]);
        if (src)
            sr_image_free(&src[i]);
    }
    free(nets), free(src), free(dst), free(st), free(errs), free(fin), free(fout);
    sr_model_free(blend);
    sr_model_free(m);
    return rc;
}
