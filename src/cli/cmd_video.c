/* cmd_video.c - `srgan video IN OUT`: a video upscaled frame by frame, with its audio and
 * subtitles copied. Debian's ffmpeg runs as two child processes: one decodes IN to raw RGB
 * frames on a pipe, the other encodes srgan's frames from a pipe and takes every other stream
 * from IN unchanged. Children rather than libavformat: ffmpeg's whole container and codec
 * support with no link-time dependency (its libraries change ABI every release), and the pipes
 * cost little: 100 MB/s of raw frames is a few ms a frame, against 100+ ms to upscale one.
 *
 * Memory is bounded whatever the length: one frame per thread in flight, in and out. OUT is
 * written under a temporary name in its folder and renamed at the end, so a stopped or failed
 * run leaves no half-written OUT. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Is prog an executable on PATH? */
static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[4096];
    while (path && *path) {
        size_t n = strcspn(path, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, prog);
        if (n && access(buf, X_OK) == 0)
            return 1;
        path += n + (path[n] == ':');
    }
    return 0;
}

/* Starts argv[0] (looked up on PATH) in its own process group, so a Ctrl-C at the terminal
 * reaches srgan alone and srgan decides what the children do. fd 0/1/2 of the child: in_fd,
 * out_fd, err_fd (-1: /dev/null for stdin, srgan's own otherwise). */
static pid_t spawn(char *const argv[], int in_fd, int out_fd, int err_fd)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    pid_t pid = -1;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&at, 0);
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGINT), sigaddset(&def, SIGTERM), sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigdefault(&at, &def);
    if (in_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (out_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    if (err_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    if (posix_spawnp(&pid, argv[0], &fa, &at, argv, environ) != 0)
        pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return pid;
}

/* The last non-empty line a child wrote to its error file (rewound here), or a placeholder. */
static void last_line(FILE *f, char *out, size_t size)
{
    char line[512];
    snprintf(out, size, "failed (no message)");
    if (!f)
        return;
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0])
            snprintf(out, size, "%s", line);
    }
}

static int wait_exit(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

typedef struct {
    int w, h;
    char rate[32]; /* frame rate as ffprobe gives it, "num/den" */
    char sar[32];  /* sample (pixel) aspect ratio "num:den" */
    long frames;   /* 0: unknown */
    double duration;
} probe;

/* ffprobe's view of IN's first video stream; 0, or the exit code after one line on stderr. */
static int probe_video(const char *in, probe *pr)
{
    char *argv[] = {"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                    "stream=width,height,r_frame_rate,sample_aspect_ratio,nb_frames:"
                    "format=duration", "-of", "default=nw=1", (char *)in, NULL};
    int fds[2];
    FILE *err = tmpfile();
    memset(pr, 0, sizeof *pr);
    if (!err || pipe(fds) != 0) {
        fprintf(stderr, "srgan: %s: cannot start ffprobe: %s\n", in, strerror(errno));
        if (err)
            fclose(err);
        return SR_EXIT_FAILED;
    }
    pid_t pid = spawn(argv, -1, fds[1], fileno(err));
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!strncmp(line, "width=", 6))
            pr->w = atoi(line + 6);
        else if (!strncmp(line, "height=", 7))
            pr->h = atoi(line + 7);
        else if (!strncmp(line, "r_frame_rate=", 13))
            snprintf(pr->rate, sizeof pr->rate, "%.31s", line + 13);
        else if (!strncmp(line, "sample_aspect_ratio=", 20))
            snprintf(pr->sar, sizeof pr->sar, "%.31s", line + 20);
        else if (!strncmp(line, "nb_frames=", 10))
            pr->frames = atol(line + 10);
        else if (!strncmp(line, "duration=", 9))
            pr->duration = atof(line + 9);
    }
    if (f)
        fclose(f);
    int rc = pid < 0 ? 127 : wait_exit(pid), out = 0;
    char msg[512];
    if (rc) {
        last_line(err, msg, sizeof msg);
        fprintf(stderr, "srgan: %s: %s\n", in, msg);
        out = SR_EXIT_FAILED;
    } else if (pr->w <= 0 || pr->h <= 0) {
        fprintf(stderr, "srgan: %s: no video stream\n", in);
        out = SR_EXIT_FAILED;
    }
    fclose(err);
    if (!strchr(pr->sar, ':') || !strcmp(pr->sar, "0:1") || !strcmp(pr->sar, "N/A"))
        snprintf(pr->sar, sizeof pr->sar, "1:1");
    return out;
}

/* Reads exactly n bytes; 1 when whole, 0 at a clean end of stream, -1 on a short or failed
 * read. */
static int read_full(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return got == 0 && k == 0 ? 0 : -1;
        got += (size_t)k;
    }
    return 1;
}

static int write_full(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k, n -= (size_t)k;
    }
    return 0;
}

/* The path ffmpeg writes to: a hidden name beside OUT that keeps OUT's extension (ffmpeg picks
 * the container by it), created here so no other run can take it. */
static int temp_beside(const char *out, char *tmp, size_t size)
{
    const char *slash = strrchr(out, '/'), *base = slash ? slash + 1 : out;
    const char *dot = strrchr(base, '.');
    int dir = slash ? (int)(slash - out + 1) : 0, stem = dot ? (int)(dot - base) : (int)strlen(base);
    const char *ext = dot ? dot : "";
    if ((size_t)snprintf(tmp, size, "%.*s.%.*s.tmp-XXXXXX%s", dir, out, stem, base, ext) >= size)
        return -1;
    int fd = mkstemps(tmp, (int)strlen(ext));
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

typedef struct {
    pid_t dec, enc;
    int from_dec, to_enc;
    FILE *dec_err, *enc_err;
    char tmp[4096];
} children;

/* Stops what is still running and removes the temporary output. */
static void abandon(children *c)
{
    if (c->to_enc >= 0)
        close(c->to_enc);
    if (c->from_dec >= 0)
        close(c->from_dec);
    c->to_enc = c->from_dec = -1;
    if (c->dec > 0)
        kill(-c->dec, SIGKILL), wait_exit(c->dec);
    if (c->enc > 0)
        kill(-c->enc, SIGKILL), wait_exit(c->enc);
    c->dec = c->enc = 0;
    if (c->tmp[0])
        unlink(c->tmp);
}

static int start_children(const char *in, const probe *pr, int ow, int oh, const cli_options *o,
                          children *c)
{
    int dp[2], ep[2];
    c->dec_err = tmpfile(), c->enc_err = tmpfile();
    if (!c->dec_err || !c->enc_err || pipe(dp) || pipe(ep))
        return -1;
    /* each child gets its end as fd 0 or 1 (dup2 clears the flag); no other pipe end leaks into
     * it, or the encoder would never see the end of its input */
    fcntl(dp[0], F_SETFD, FD_CLOEXEC), fcntl(dp[1], F_SETFD, FD_CLOEXEC);
    fcntl(ep[0], F_SETFD, FD_CLOEXEC), fcntl(ep[1], F_SETFD, FD_CLOEXEC);
    char *dec[] = {"ffmpeg", "-v", "error", "-nostdin", "-i", (char *)in, "-map", "0:v:0",
                   "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
                   NULL};
    c->dec = spawn(dec, -1, dp[1], fileno(c->dec_err));
    close(dp[1]);
    c->from_dec = dp[0];
    const char *codec = o->codec ? o->codec : "libx264";
    int x26x = !strcmp(codec, "libx264") || !strcmp(codec, "libx265");
    char size[32], crf[16], sar[48];
    snprintf(size, sizeof size, "%dx%d", ow, oh);
    snprintf(crf, sizeof crf, "%d", o->crf);
    snprintf(sar, sizeof sar, "setsar=%s", pr->sar); /* same pixel shape, so same display */
    char *enc[40] = {"ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                     "-video_size", size, "-framerate", (char *)pr->rate, "-i", "pipe:0",
                     "-i", (char *)in, "-map", "0:v:0", "-map", "1:a?", "-map", "1:s?",
                     "-map_metadata", "1", "-map_chapters", "1", "-c:a", "copy", "-c:s", "copy",
                     "-vf", sar, "-c:v", (char *)codec};
    int n = 34;
    if (x26x) { /* the widely playable 4:2:0, at a visually lossless default quality */
        enc[n++] = "-crf", enc[n++] = crf, enc[n++] = "-pix_fmt", enc[n++] = "yuv420p";
    }
    enc[n++] = c->tmp;
    enc[n] = NULL;
    c->enc = spawn(enc, ep[0], -1, fileno(c->enc_err));
    close(ep[0]);
    c->to_enc = ep[1];
    return c->dec > 0 && c->enc > 0 ? 0 : -1;
}

static void show_progress(const cli_progress *pg, long done, long total, double fps)
{
    if (!pg->show_progress)
        return;
    if (total > 0)
        fprintf(stderr, "\r\033[K%ld/%ld frames (%.0f%%), %.2f frames/s, ETA %.0f s", done, total,
                100.0 * done / total, fps, fps > 0 ? (total - done) / fps : 0);
    else
        fprintf(stderr, "\r\033[K%ld frames, %.2f frames/s", done, fps);
}

/* Frames through the model F at a time (one per thread), written in order. Returns 0, or an
 * exit code after one line on stderr. */
static int pump(const char *in, const sr_model *m, sr_net **nets, int T, int w, int h,
                long expect, const cli_options *o, children *c, long *frames)
{
    size_t fb = (size_t)w * h * 3;
    sr_image *src = calloc((size_t)T, sizeof *src), *dst = calloc((size_t)T, sizeof *dst);
    sr_status *st = calloc((size_t)T, sizeof *st);
    sr_error *errs = calloc((size_t)T, sizeof *errs);
    int rc = !src || !dst || !st || !errs ? SR_EXIT_FAILED : 0, eof = 0;
    for (int i = 0; !rc && i < T; i++)
        if (sr_image_alloc(&src[i], w, h, 3, NULL))
            rc = SR_EXIT_FAILED;
    if (rc)
        fprintf(stderr, "srgan: %s: out of memory for %d frames\n", in, T);
    sr_upscale_params up = sr_upscale_default_params();
    up.tta = o->tta, up.scale = o->scale;
    cli_progress pg;
    cli_progress_init(&pg, o->quiet, 0);
    double t0 = cli_now(), last = 0;
    while (!rc && !eof && !cli_stop) {
        int n = 0;
        while (n < T && !eof) {
            int r = read_full(c->from_dec, src[n].data, fb);
            if (r < 0) {
                fprintf(stderr, "srgan: %s: the decoder stopped in the middle of frame %ld\n", in,
                        *frames + n + 1);
                rc = SR_EXIT_FAILED;
            }
            eof = r <= 0;
            n += r > 0;
        }
        if (!rc && n && sr_upscale_images(m, nets, T, &up, src, dst, n, st, errs)) {
            for (int i = 0; i < n && !rc; i++)
                if (st[i]) {
                    fprintf(stderr, "srgan: %s: frame %ld: %s\n", in, *frames + i + 1, errs[i].msg);
                    rc = SR_EXIT_FAILED;
                }
        }
        for (int i = 0; i < n; i++) {
            if (!rc && write_full(c->to_enc, dst[i].data, (size_t)dst[i].w * dst[i].h * 3)) {
                char msg[512];
                last_line(c->enc_err, msg, sizeof msg);
                fprintf(stderr, "srgan: %s: the encoder stopped: %s\n", in, msg);
                rc = SR_EXIT_FAILED;
            }
            sr_image_free(&dst[i]);
        }
        *frames += rc ? 0 : n;
        double now = cli_now();
        if (now - last >= 0.25 || eof) {
            show_progress(&pg, *frames, expect, *frames / (now - t0));
            last = now;
        }
    }
    cli_progress_clear(&pg);
    for (int i = 0; src && i < T; i++)
        sr_image_free(&src[i]);
    free(src), free(dst), free(st), free(errs);
    return rc;
}

/* One function from options to exit code, longer than most: it owns the two ffmpeg child
 * processes and the temporary output, and every early exit must close, reap and remove them in
 * the same order; split, those exits would be spread over several functions. */
int cmd_video(int argc, char **argv)
{
    cli_options o;
    int rc = cli_parse_options(argc, argv, "video", "IN OUT [options]", 2, &o);
    if (rc >= 0)
        return rc;
    const char *in = o.pos[0], *out = o.pos[1];
    if (!on_path("ffmpeg") || !on_path("ffprobe")) {
        fprintf(stderr, "srgan video: ffmpeg and ffprobe are needed on PATH (Debian: apt-get "
                "install ffmpeg)\n");
        return SR_EXIT_USAGE;
    }
    sr_model *m = NULL, *blend = NULL;
    if ((rc = cli_load_model(&(cli_model_opts){o.model, o.family, o.scale, 0, o.noise, o.bf16}, &m)))
        return rc;
    sr_error err;
    if ((rc = cli_check_denoise(&o, "video", m)) < 0 && o.denoise > 0 &&
        sr_model_denoise(m, o.denoise, &blend, &err)) {
        fprintf(stderr, "srgan video: %s\n", err.msg);
        rc = SR_EXIT_USAGE;
    }
    probe pr;
    if (rc < 0)
        rc = probe_video(in, &pr) ? SR_EXIT_FAILED : -1;
    int T = o.threads, scale = o.scale ? o.scale : sr_model_scale(m);
    sr_net **nets = rc < 0 ? calloc((size_t)T, sizeof *nets) : NULL;
    for (int i = 0; nets && i < T && rc < 0; i++)
        if (sr_net_create(m, o.tile, &nets[i], &err)) {
            fprintf(stderr, "srgan video: %s\n", err.msg);
            rc = SR_EXIT_FAILED;
        }
    children c = {.from_dec = -1, .to_enc = -1};
    if (rc < 0 && temp_beside(out, c.tmp, sizeof c.tmp)) {
        fprintf(stderr, "srgan: %s: cannot write there: %s\n", out, strerror(errno));
        c.tmp[0] = 0;
        rc = SR_EXIT_FAILED;
    }
    signal(SIGPIPE, SIG_IGN); /* a dead encoder is an error on write, not a silent death */
    cli_catch_stop_signals("\nsrgan: stopping; no output will be written (signal again to quit "
                           "at once)\n");
    if (rc < 0 && start_children(in, &pr, pr.w * scale, pr.h * scale, &o, &c)) {
        fprintf(stderr, "srgan video: cannot start ffmpeg: %s\n", strerror(errno));
        rc = SR_EXIT_FAILED;
    }
    long frames = 0, expect = pr.frames;
    double t0 = cli_now();
    if (rc < 0 && !expect && pr.duration > 0) { /* containers without a frame count */
        int num = 0, den = 1;
        sscanf(pr.rate, "%d/%d", &num, &den);
        expect = den > 0 ? lround(pr.duration * num / den) : 0;
    }
    if (rc < 0)
        rc = pump(in, blend ? blend : m, nets, T, pr.w, pr.h, expect, &o, &c, &frames);
    if (rc < 0)
        rc = 0;
    if (!rc && !cli_stop) {
        char msg[512];
        close(c.to_enc), c.to_enc = -1;
        close(c.from_dec), c.from_dec = -1;
        int drc = wait_exit(c.dec), erc = wait_exit(c.enc);
        c.dec = c.enc = 0;
        if (drc) {
            last_line(c.dec_err, msg, sizeof msg);
            fprintf(stderr, "srgan: %s: %s\n", in, msg);
            rc = SR_EXIT_FAILED;
        } else if (erc) {
            last_line(c.enc_err, msg, sizeof msg);
            fprintf(stderr, "srgan: %s: encoding failed: %s\n", out, msg);
            rc = SR_EXIT_FAILED;
        } else if (rename(c.tmp, out) != 0) {
            fprintf(stderr, "srgan: %s: %s\n", out, strerror(errno));
            rc = SR_EXIT_FAILED;
        } else {
            c.tmp[0] = 0;
            if (!o.quiet)
                fprintf(stderr, "srgan: %s -> %s (%ld frames, %dx%d -> %dx%d, %.2f frames/s, "
                        "%.1f s, %d threads, %s)\n", in, out, frames, pr.w, pr.h, pr.w * scale,
                        pr.h * scale, frames / (cli_now() - t0 + 1e-9), cli_now() - t0, T,
                        sr_model_name(m));
        }
    }
    if (cli_stop)
        rc = 128 + cli_stop;
    abandon(&c);
    if (c.dec_err)
        fclose(c.dec_err);
    if (c.enc_err)
        fclose(c.enc_err);
    for (int i = 0; nets && i < T; i++)
        sr_net_free(nets[i]);
    free(nets);
    sr_model_free(blend);
    sr_model_free(m);
    return rc;
}
