/* cli.h - what the command modules of the srgan program share. Only main() chooses the exit
 * code; commands return one of these. */
#ifndef SR_CLI_H
#define SR_CLI_H

#include "srgan.h"

#include <signal.h>
#include <stdio.h>

enum { SR_EXIT_OK = 0, SR_EXIT_FAILED = 1, SR_EXIT_USAGE = 2 };

int cmd_batch(int argc, char **argv);
int cmd_upscale(int argc, char **argv);
int cmd_resize(int argc, char **argv);
int cmd_video(int argc, char **argv);
int cmd_stream(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_downscale(int argc, char **argv);
int cmd_psnr(int argc, char **argv);
int cmd_degrade(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_train(int argc, char **argv);

/* --family's help, for every command that loads a model */
#define CLI_FAMILY_HELP                                                                            \
    "pre-processing of realesrgan, waifu2x, realcugan or srgan\n"                                \
    "(default: detected from the model)"

typedef struct {
    const char *name;   /* --model: embedded NAME, PATH.param, a folder of models, or NULL */
    const char *family; /* --family, or NULL: detected */
    int scale;          /* --scale, 0 if not given */
    int exact;          /* the model must upscale by scale itself (eval) */
    int noise;          /* --noise 0..3, -1 if not given: picks a model in a folder */
    int bf16;           /* --precision bf16 */
} cli_model_opts;

/* Loads the model the options name; with none, the embedded default for the scale (for factors
 * without one, the x4 or x2 model, whose output is then resized). Prints the error. */
int cli_load_model(const cli_model_opts *o, sr_model **out);
/* Parses a whole positive integer in [lo, hi]; 0 on error. */
int cli_int(const char *s, int lo, int hi, int *out);
/* --denoise: "auto" (SR_DENOISE_AUTO) or a strength 0..1; 0 on error. */
int cli_denoise(const char *s, float *out);
double cli_now(void); /* monotonic seconds */

/* ---- options (cli_args.c): one table per command, one parser, --help from the table ---- */

typedef struct cli_opt cli_opt;
struct cli_opt {
    const char *name, *alias; /* "--scale", and "-s" or NULL */
    const char *value;        /* the value's name in --help ("N"); NULL: a flag (int set to 1) */
    int (*parse)(const cli_opt *o, const char *v, void *field); /* 0: bad or missing value */
    size_t off;               /* the field, in the command's options struct */
    double lo, hi;            /* cli_v_int: within [lo, hi]; cli_v_double: within (lo, hi) */
    const char *choices;      /* cli_v_choice: "a|b|c", the field gets the index */
    const char *help;         /* lines after a newline are indented under the first */
};

typedef struct {
    const char *name, *args; /* "batch", "IN_DIR OUT_DIR [options]" */
    const char *about;       /* a line under the usage, or NULL */
    const char *epilogue;    /* text after the options, or NULL */
    const cli_opt *opts;     /* ends with an entry whose name is NULL */
    int min_pos, max_pos;    /* positional arguments */
    size_t pos_off, npos_off; /* const char *pos[max_pos] and int npos in the struct */
} cli_cmd;

/* Parses argv (argv[0]: the command) into dst. Returns -1 to go on, or the exit code (--help
 * printed: 0; a usage error, its line printed: 2). */
int cli_parse(const cli_cmd *c, int argc, char **argv, void *dst);
void cli_help(const cli_cmd *c, FILE *f);
int cli_v_int(const cli_opt *o, const char *v, void *dst);
int cli_v_double(const cli_opt *o, const char *v, void *dst);
int cli_v_u64(const cli_opt *o, const char *v, void *dst);
int cli_v_str(const cli_opt *o, const char *v, void *dst);
int cli_v_choice(const cli_opt *o, const char *v, void *dst);
int cli_v_denoise(const cli_opt *o, const char *v, void *dst);

/* The options of batch, upscale, resize, video and stream (cli_options.c). */
typedef struct {
    sr_format fmt;
    int set;
} cli_format;

typedef struct {
    const char *pos[2];
    int npos;
    const char *model, *report, *family;
    int scale, threads, sequential, tile, quality, force, recursive, quiet, verbose, tta, noise;
    int bf16;
    float denoise; /* SR_DENOISE_AUTO or 0..1 */
    cli_format format;
    int shard[2]; /* --shard K/N: index K, count N (0: no sharding) */
    uint64_t max_pixels;
    const char *codec; /* video, stream: ffmpeg encoder, NULL: the default */
    int crf;
} cli_options;

/* Parses argv for cmd ("batch", "upscale", "resize", "video", "stream") with npos positional
 * arguments, described by args in the usage line. Returns -1 to go on, or the exit code. */
int cli_parse_options(int argc, char **argv, const char *cmd, const char *args, int npos,
                      cli_options *o);

/* SIGINT/SIGTERM (cli_signal.c): after cli_catch_stop_signals, cli_stop holds the first signal
 * received (0: none); message (a literal, or NULL) is written to stderr when it arrives. */
extern volatile sig_atomic_t cli_stop;
void cli_catch_stop_signals(const char *message);
/* A fixed --denoise needs a model with a JPEG twin: 2 (and the line) if not, else -1. */
int cli_check_denoise(const cli_options *o, const char *cmd, const sr_model *m);

/* Progress line and per-file failure lines for a batch (progress.c). */
typedef struct {
    int show_progress; /* stderr is a terminal and not -q */
    int verbose, quiet;
    double t0;
    long long last_ms; /* last progress print, updated atomically */
    int failed;        /* files failed so far, updated atomically */
} cli_progress;

void cli_progress_init(cli_progress *p, int quiet, int verbose);
/* sr_batch_params.on_file: failure and verbose lines. */
void cli_progress_on_file(void *ctx, const sr_file_result *r, int done, int failed, int total);
/* sr_batch_params.on_progress: the bar over files, tiles included. */
void cli_progress_on_work(void *ctx, double done, int total);
/* sr_upscale_params.on_tile: the bar over one image's tiles. */
void cli_progress_on_tile(void *ctx, int done, int total);
void cli_progress_clear(cli_progress *p);

#endif
