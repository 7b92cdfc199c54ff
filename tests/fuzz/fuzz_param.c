/* fuzz_param.c - libFuzzer target for the .param parser and the whole loader. The input is the
 * .param text, optionally followed by a NUL byte and the .bin bytes. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t plen = nul ? (size_t)(nul - data) : size;
    const uint8_t *bin = nul ? nul + 1 : NULL;
    size_t blen = nul ? size - plen - 1 : 0;
    sr_model *m;
    sr_error e;
    if (sr_model_load_memory((const char *)data, plen, bin, blen, "fuzz", NULL, &m, &e) == SR_OK) {
        fuzz_run_model(m);
        sr_model_free(m);
    }
    return 0;
}
