/* fuzz_bin.c - libFuzzer target for the .bin reader: a fixed small graph, fuzzed weights
 * (storage tags, fp16/fp32 arrays, lengths, non-finite values). */
#include "fuzz_common.h"
#include "tiny_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sr_model *m;
    sr_error e;
    if (sr_model_load_memory(tiny_param, sizeof tiny_param - 1, data, size, "fuzz", NULL, &m, &e) ==
        SR_OK) {
        fuzz_run_model(m);
        sr_model_free(m);
    }
    return 0;
}
