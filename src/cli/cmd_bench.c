/* cmd_bench.c - `srgan parallel-benchmark`: thread scaling of the real batch path.
 *
 * A deterministic set of photo-like PNGs is written to a temporary folder, then `sr_batch_run`
 * (decode, upscale, encode, atomic write: exactly what `srgan batch` does) runs on it once per
 * thread count. Each run happens in a forked child so its peak RSS can be read on its own. The
 * parent never starts OpenMP, so forking is safe.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A smooth scene with edges, texture and mild noise: what the network is meant to see. */
static sr_status make_image(int w, int h, unsigned seed, const char *path, sr_error *err)
{
    sr_image im;
    sr_status s = sr_image_alloc(&im, w, h, 3, err);
    if (s)
        return s;
    uint32_t r = seed * 2654435761u + 12345u;
    double fx = 3 + seed % 5, fy = 2 + seed % 3;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double u = (double)x / w, v = (double)y / h;
            int disc = (u - 0.5) * (u - 0.5) + (v - 0.45) * (v - 0.45) < 0.06;
            for (int c = 0; c < 3; c++) {
                r = r * 1664525u + 1013904223u;
                double val = 110 + 70 * sin(6.28 * (fx * u + 0.3 * c)) * cos(6.28 * fy * v) +
                             (disc ? 60 - 30 * c : 0) + 12 * sin(40 * u + 25 * v) +
                             ((r >> 24) % 9) - 4.0;
                im.data[((size_t)y * w + x) * 3 + c] =
                    (uint8_t)(val < 0 ? 0 : val > 255 ? 255 : val);
            }
        }
    s = sr_image_save(path, &im, SR_FMT_PNG, 0, err);
    sr_image_free(&im);
    return s;
}

typedef struct {
    double seconds;
    int ok, failed;
    long rss_kb;
} run_result;

/* Runs one batch in a child process; fills seconds, counts and the child's peak RSS. */
static int run_child(const cli_model_opts *mo, const char *in, const char *out, int threads,
                     int tile, run_result *rr)
{
    int fd[2];
    if (pipe(fd))
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fd[0]);
        sr_model *m;
        run_result cr = {0};
        if (cli_load_model(mo, &m) == 0) {
            sr_batch_params p = sr_batch_default_params();
            p.in_dir = in;
            p.out_dir = out;
            p.threads = threads;
            p.tile = tile;
            p.force = 1;
            sr_batch_result res;
            sr_error err;
            if (sr_batch_run(m, &p, &res, &err) == SR_OK) {
                cr.seconds = res.seconds;
                cr.ok = res.ok;
                cr.failed = res.failed;
            } else {
                fprintf(stderr, "srgan: %s\n", err.msg);
            }
            sr_batch_result_free(&res);
            sr_model_free(m);
        }
        ssize_t wr = write(fd[1], &cr, sizeof cr);
        _exit(wr == (ssize_t)sizeof cr && cr.ok ? 0 : 1);
    }
    close(fd[1]);
    ssize_t got = read(fd[0], rr, sizeof *rr);
    close(fd[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || got != (ssize_t)sizeof *rr || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    rr->rss_kb = ru.ru_maxrss;
    return 0;
}

static void rm_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "srgan: could not remove %s\n", dir);
}

typedef struct {
    const char *label;
    int nimages, w, h;
} workload;

/* A fresh temporary folder (root) with each workload's input images in dirs[k][0] and the
 * place for its outputs, dirs[k][1]; nonzero (said on stderr) on failure. */
static int make_workloads(const workload *wl, int nwl, char *root, char (*dirs)[2][4200])
{
    const char *tmp = getenv("TMPDIR");
    snprintf(root, 4096, "%s/srgan-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        fprintf(stderr, "srgan: cannot create a temporary folder: %s\n", strerror(errno));
        return 1;
    }
    sr_error err;
    sr_status s = SR_OK;
    for (int k = 0; k < nwl && !s; k++) {
        snprintf(dirs[k][0], sizeof dirs[k][0], "%.4000s/%s-in", root, wl[k].label);
        snprintf(dirs[k][1], sizeof dirs[k][1], "%.4000s/%s-out", root, wl[k].label);
        if (mkdir(dirs[k][0], 0777) != 0) { /* inside the fresh temporary folder */
            snprintf(err.msg, sizeof err.msg, "%.200s: cannot create: %s", dirs[k][0],
                     strerror(errno));
            s = SR_E_IO;
        }
        for (int i = 0; i < wl[k].nimages && !s; i++) {
            char path[sizeof dirs[0][0] + 16];
            snprintf(path, sizeof path, "%.4100s/img%05d.png", dirs[k][0], i);
            s = make_image(wl[k].w, wl[k].h, (unsigned)i + 1, path, &err);
        }
    }
    if (s) {
        fprintf(stderr, "srgan: %s\n", err.msg);
        rm_tree(root);
    }
    return s != SR_OK;
}

typedef struct {
    int nimages, size[2], large[2], tile, bf16;
    int counts[64], ncounts;
    const char *json, *model;
} bench_opts;

static int v_size(const cli_opt *o, const char *v, void *dst)
{
    int *wh = dst;
    char tail;
    return v && sscanf(v, "%dx%d%c", &wh[0], &wh[1], &tail) == 2 && wh[0] >= o->lo &&
           wh[1] >= o->lo && wh[0] <= o->hi && wh[1] <= o->hi;
}

static int v_list(const cli_opt *o, const char *v, void *dst)
{
    bench_opts *b = (bench_opts *)((char *)dst - o->off); /* the list and its length */
    char buf[256];
    b->ncounts = 0;
    if (!v || strlen(v) >= sizeof buf)
        return 0;
    snprintf(buf, sizeof buf, "%s", v);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","))
        if (b->ncounts == 64 || !cli_int(tok, 1, 1024, &b->counts[b->ncounts++]))
            return 0;
    return b->ncounts > 0;
}

#define B(f) offsetof(bench_opts, f)
static const cli_opt bench_options[] = {
    {"--images", NULL, "N", cli_v_int, B(nimages), 1, 100000, NULL,
     "small images in the batch (default 16)"},
    {"--size", NULL, "WxH", v_size, B(size), 1, 8192, NULL, "their size (default 256x256)"},
    {"--large", NULL, "WxH", v_size, B(large), 0, 16384, NULL,
     "one large image for the tile path (default 1024x1024; 0x0 skips)"},
    {"--model", NULL, "NAME|FILE", cli_v_str, B(model), 0, 0, NULL,
     "model (default: the embedded x4)"},
    {"--precision", NULL, "P", cli_v_choice, B(bf16), 0, 0, "fp32|bf16",
     "fp32 (default) or bf16 (AVX512_BF16 CPUs)"},
    {"--threads-list", NULL, "1,2,4", v_list, B(counts), 0, 0, NULL,
     "thread counts (default 1, 2, 4, ... up to the cores)"},
    {"--tile", NULL, "PX", cli_v_int, B(tile), 16, 8192, NULL, "tile size (default 256)"},
    {"--json", NULL, "FILE", cli_v_str, B(json), 0, 0, NULL, "also write the results as JSON"},
    {0}};
static const cli_cmd bench_cmd = {"parallel-benchmark", "[options]",
                                  "thread scaling of the real batch path (decode, upscale, "
                                  "encode, write)",
                                  NULL, bench_options, 0, 0, 0, 0};

int cmd_bench(int argc, char **argv)
{
    bench_opts o = {.nimages = 16, .size = {256, 256}, .large = {1024, 1024},
                    .tile = SR_DEFAULT_TILE};
    int rc = cli_parse(&bench_cmd, argc, argv, &o);
    if (rc >= 0)
        return rc;
    int nimages = o.nimages, w = o.size[0], h = o.size[1], lw = o.large[0], lh = o.large[1];
    int tile = o.tile, ncounts = o.ncounts, *counts = o.counts;
    const char *json = o.json;
    cli_model_opts mo = {.name = o.model, .noise = -1, .bf16 = o.bf16};
    int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (!ncounts) {
        for (int t = 1; t < ncpu && ncounts < 63; t *= 2)
            counts[ncounts++] = t;
        counts[ncounts++] = ncpu;
    }
    sr_model *m;
    rc = cli_load_model(&mo, &m); /* validate now, before any child runs */
    if (rc)
        return rc;
    char mname[128];
    snprintf(mname, sizeof mname, "%s", sr_model_name(m));
    int pad2 = 2 * sr_model_prepad(m);
    double gflop[2] = {sr_model_flops(m, w + pad2, h + pad2) / 1e9 * nimages,
                       lw > 0 && lh > 0 ? sr_model_flops(m, lw + pad2, lh + pad2) / 1e9 : 0};
    sr_model_free(m);

    workload wl[2] = {{"small", nimages, w, h}, {"large", 1, lw, lh}};
    int nwl = lw > 0 && lh > 0 ? 2 : 1;
    char root[4096], dirs[2][2][4200];
    if (make_workloads(wl, nwl, root, dirs))
        return SR_EXIT_FAILED;
    printf("srgan parallel-benchmark: model %s, kernels %s%s, %d cores online\n", mname,
           sr_kernel_path(), mo.bf16 ? " (bf16 products)" : "", ncpu);
    FILE *jf = json ? fopen(json, "w") : NULL;
    if (json && !jf)
        fprintf(stderr, "srgan: %s: %s\n", json, strerror(errno));
    if (jf)
        fprintf(jf, "{\"model\": \"%s\", \"kernels\": \"%s\", \"precision\": \"%s\", "
                "\"cores\": %d, \"runs\": [", mname, sr_kernel_path(), mo.bf16 ? "bf16" : "fp32",
                ncpu);
    int best[2] = {1, 1};
    for (int k = 0; k < nwl; k++) {
        printf("\n%s: %d image(s) of %dx%d%s\n", wl[k].label, wl[k].nimages, wl[k].w, wl[k].h,
               k ? " (one image: threads share its tiles)" : " (threads take whole images)");
        printf("%8s %10s %10s %9s %11s %10s %12s\n", "threads", "seconds", "images/s", "speed-up",
               "efficiency", "GFLOP/s", "peak RSS MB");
        double base = 0, best_rate = 0;
        for (int c = 0; c < ncounts; c++) {
            run_result rr;
            if (run_child(&mo, dirs[k][0], dirs[k][1], counts[c], tile, &rr)) {
                printf("%8d   run failed\n", counts[c]);
                rc = SR_EXIT_FAILED;
                continue;
            }
            if (!base)
                base = rr.seconds * counts[c];
            double rate = wl[k].nimages / rr.seconds;
            double speedup = base / rr.seconds, eff = 100 * speedup / counts[c];
            double gf = gflop[k] / rr.seconds;
            printf("%8d %10.3f %10.3f %8.2fx %10.1f%% %10.1f %12.1f\n", counts[c], rr.seconds,
                   rate, speedup, eff, gf, rr.rss_kb / 1024.0);
            if (rate > best_rate * 1.03) {
                best_rate = rate;
                best[k] = counts[c];
            }
            if (jf)
                fprintf(jf, "%s\n  {\"workload\": \"%s\", \"images\": %d, \"width\": %d, "
                            "\"height\": %d, \"threads\": %d, \"seconds\": %.6f, "
                            "\"images_per_second\": %.6f, \"speedup\": %.4f, "
                            "\"efficiency_percent\": %.2f, \"gflops\": %.2f, \"peak_rss_kb\": %ld}",
                        (k || c) ? "," : "", wl[k].label, wl[k].nimages, wl[k].w, wl[k].h,
                        counts[c], rr.seconds, rate, speedup, eff, gf, rr.rss_kb);
        }
    }
    printf("\nrecommended: --threads %d for folders of small images", best[0]);
    if (nwl > 1)
        printf(", %d for single large images", best[1]);
    printf(" (the fewest threads within 3%% of the best throughput measured; more threads than "
           "that add memory, not speed)\n");
    if (jf) {
        fprintf(jf, "\n], \"recommended_threads\": %d}\n", best[0]);
        fclose(jf);
    }
    rm_tree(root);
    return rc;
}
