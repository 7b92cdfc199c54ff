/* save.c - writing one big output with every thread: the PNG encoder's bands shared out in one
 * parallel region (the image module gives each thread its slice; it starts no threads). */
#include "runtime.h"

#include <omp.h>

sr_status sr_image_save_threads(const char *path, const sr_image *img, sr_format fmt, int quality,
                                int threads, sr_error *err)
{
    if (fmt != SR_FMT_PNG || threads <= 1)
        return sr_image_save(path, img, fmt, quality, err);
    sr__png_job *job;
    sr_status s = sr__png_begin(img, threads, &job, err);
    if (s)
        return s;
#pragma omp parallel num_threads(threads)
    sr__png_bands(job, omp_get_thread_num(), omp_get_num_threads());
    uint8_t *data;
    size_t len;
    s = sr__png_finish(job, &data, &len, err);
    return s ? s : sr__image_write_encoded(path, img, fmt, data, len, err);
}
