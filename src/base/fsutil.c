/* fsutil.c - whole-file reads, atomic writes, mkdir -p, and listing a folder of images. */
#include "base.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

sr_status sr__read_file(const char *path, size_t max_bytes, uint8_t **data, size_t *len,
                        sr_error *err)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sr__err_at(err, SR_E_IO, path, "%s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        return sr__err_at(err, SR_E_IO, path, "%s",
                       S_ISDIR(st.st_mode) ? "is a directory" : e ? strerror(e) : "not a regular file");
    }
    if ((uint64_t)st.st_size > max_bytes) {
        close(fd);
        return sr__err_at(err, SR_E_LIMIT, path, "file of %lld bytes exceeds the limit of %zu",
                       (long long)st.st_size, max_bytes);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        close(fd);
        return sr__err_at(err, SR_E_NOMEM, path, "out of memory for %zu bytes", n);
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = errno;
            free(buf);
            close(fd);
            return sr__err_at(err, SR_E_IO, path, "%s", r < 0 ? strerror(e) : "file shrank while reading");
        }
        got += (size_t)r;
    }
    close(fd);
    *data = buf;
    *len = n;
    return SR_OK;
}

/* umask() can only be read by setting it, which races with other threads; Linux shows it here. */
static mode_t current_umask(void)
{
    unsigned mask = 022;
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Umask: %o", &mask) == 1)
            break;
    if (f)
        fclose(f);
    return (mode_t)mask;
}

sr_status sr__write_atomic(const char *path, const void *data, size_t len, sr_error *err)
{
    char tmp[4096];
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    if (snprintf(tmp, sizeof tmp, "%.*s.%s.tmp-XXXXXX", dirlen, path,
                 slash ? slash + 1 : path) >= (int)sizeof tmp)
        return sr__err_at(err, SR_E_INVALID, path, "path too long");
    int fd = mkstemp(tmp);
    if (fd < 0)
        return sr__err_at(err, SR_E_IO, path, "cannot create a temporary file: %s",
                       strerror(errno));
    mode_t mask = current_umask();
    const uint8_t *p = data;
    size_t left = len;
    int e = 0;
    while (left && !e) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            e = w < 0 ? errno : EIO;
        else {
            p += w;
            left -= (size_t)w;
        }
    }
    if (!e && fchmod(fd, 0666 & ~mask) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        return sr__err_at(err, SR_E_IO, path, "%s", strerror(e));
    }
    return SR_OK;
}

int sr__mkdirs(const char *dir)
{
    char buf[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != 0)
            continue;
        char c = buf[i];
        buf[i] = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        buf[i] = c;
    }
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

static int strlist_push(sr__strlist *s, char *str)
{
    if (!str)
        return -1;
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 64;
        char **v = realloc(s->v, (size_t)cap * sizeof *v);
        if (!v) {
            free(str);
            return -1;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = str;
    return 0;
}

char *sr__join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *s = malloc(na + nb + 2);
    if (!s)
        return NULL;
    memcpy(s, a, na);
    size_t k = na;
    if (na && a[na - 1] != '/')
        s[k++] = '/';
    memcpy(s + k, b, nb + 1);
    return s;
}

static int accepted_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    static const char *const ok[] = {"png", "jpg", "jpeg", "bmp", "tga", "webp"};
    if (!dot || dot == name)
        return 0;
    for (int i = 0; i < 6; i++)
        if (strcasecmp(dot + 1, ok[i]) == 0)
            return 1;
    return 0;
}

/* Collects paths relative to root. Symlinked folders are not followed (no loops). */
static sr_status list_dir(const char *root, const char *rel, int recursive, sr__strlist *out,
                          sr_error *err)
{
    char *dir = rel[0] ? sr__join(root, rel) : strdup(root);
    if (!dir)
        return sr__err(err, SR_E_NOMEM, "out of memory");
    DIR *d = opendir(dir);
    if (!d) {
        sr_status s = sr__err_at(err, SR_E_IO, dir, "%s", strerror(errno));
        free(dir);
        return s;
    }
    sr_status s = SR_OK;
    struct dirent *e;
    while (!s && (e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        char *r = rel[0] ? sr__join(rel, e->d_name) : strdup(e->d_name);
        char *full = sr__join(dir, e->d_name);
        struct stat st;
        int is_dir = full && lstat(full, &st) == 0 && S_ISDIR(st.st_mode);
        free(full);
        if (!r) {
            s = sr__err(err, SR_E_NOMEM, "out of memory");
        } else if (recursive && is_dir) {
            s = list_dir(root, r, recursive, out, err);
            free(r);
        } else if (accepted_ext(e->d_name)) {
            if (strlist_push(out, r))
                s = sr__err(err, SR_E_NOMEM, "out of memory");
        } else {
            free(r);
        }
    }
    closedir(d);
    free(dir);
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

sr_status sr__list_images(const char *root, int recursive, sr__strlist *out, sr_error *err)
{
    memset(out, 0, sizeof *out);
    sr_status s = list_dir(root, "", recursive, out, err);
    if (s)
        sr__strlist_free(out);
    else if (out->n)
        qsort(out->v, (size_t)out->n, sizeof *out->v, cmp_str);
    return s;
}

void sr__strlist_free(sr__strlist *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}
