/* test_param.c - the .param text parser: structure, values, and each malformed case. */
#include "test_common.h"

static sr_status parse(const char *text, sr__param *p, sr_error *e)
{
    return sr__param_parse(text, strlen(text), p, e);
}

static void test_parses_graph_and_values(void **state)
{
    (void)state;
    const char *t = "7767517\n3 4\n"
                    "Input in 0 1 data 0=8 1=8 2=3\n"
                    "Split sp 1 2 data a b\n"
                    "Interp up 1 1 a out 0=1 1=4.000000e+00 2=2.5 -23310=2,0.1,-3\n";
    sr__param p;
    sr_error e;
    assert_int_equal(parse(t, &p, &e), SR_OK);
    assert_int_equal(p.nlayers, 3);
    assert_int_equal(p.nblobs, 4);
    assert_string_equal(p.layers[1].type, "Split");
    assert_int_equal(p.layers[1].in[0], 0);
    assert_int_equal(p.layers[1].out[1], 2);
    assert_int_equal(p.layers[2].line, 5);
    assert_int_equal(sr__pget_int(&p.layers[0], 2, 0), 3);
    assert_true(sr__pget_float(&p.layers[2], 1, 0) == 4.f);
    assert_true(sr__pget_float(&p.layers[2], 2, 0) == 2.5f);
    assert_int_equal(sr__pget_int(&p.layers[2], 7, 42), 42);
    const sr__pval *arr = &p.layers[2].p[10];
    assert_true(arr->set && arr->is_arr);
    assert_int_equal(arr->n, 2);
    assert_true(arr->arr[0] == 0.1f && arr->arr[1] == -3.f);
    sr__param_free(&p);
}

typedef struct {
    const char *text, *msg;
} bad_case;

static void test_rejects_malformed(void **state)
{
    (void)state;
    const bad_case cases[] = {
        {"7767518\n1 1\nInput in 0 1 data\n", "bad magic"},
        {"", "bad magic"},
        {"7767517\n1\nInput in 0 1 data\n", "expected 'layer_count blob_count'"},
        {"7767517\n0 1\n", "implausible counts"},
        {"7767517\n2 2\nInput in 0 1 data\n", "declares 2 layers and 2 blobs but defines 1 and 1"},
        {"7767517\n3 3\nInput in 0 1 data", "declares 3 layers but has 1 lines"},
        {"7767517\n2 2\nInput in 0 1 data\nReLU r 1 1 nothere out\n", "line 4: layer r: input blob 'nothere' is not produced"},
        {"7767517\n2 2\nInput in 0 1 data\nReLU r 1 1 data data\n", "blob 'data' produced twice"},
        {"7767517\n2 3\nInput in 0 1 data\nReLU r 1 1 data out\n", "declares 2 layers and 3 blobs but defines 2 and 2"},
        {"7767517\n1 1\nInput in 0 1 data 0=abc\n", "bad value"},
        {"7767517\n1 1\nInput in 0 1 data 40=1\n", "out of range"},
        {"7767517\n1 1\nInput in 0 1 data 0=1 0=2\n", "given twice"},
        {"7767517\n1 1\nInput in 0 1 data -23310=3,1,2\n", "shorter than 3"},
        {"7767517\n1 1\nInput in 0 1 data -23310=1,1,2\n", "longer than 1"},
        {"7767517\n1 1\nInput in 0 99 data\n", "bad output count"},
        {"7767517\n1 1\nInput\n", "expected layer type and name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sr__param p;
        sr_error e = {0};
        sr_status s = parse(cases[i].text, &p, &e);
        if (s == SR_OK || !strstr(e.msg, cases[i].msg))
            fail_msg("case %zu: status %d, message '%s', expected '%s'", i, s, e.msg,
                     cases[i].msg);
    }
}

static void test_rejects_nul_bytes(void **state)
{
    (void)state;
    const char t[] = "7767517\n1 1\nInput in 0 1 da\0ta\n";
    sr__param p;
    sr_error e;
    assert_int_equal(sr__param_parse(t, sizeof t - 1, &p, &e), SR_E_FORMAT);
    assert_non_null(strstr(e.msg, "NUL"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses_graph_and_values),
        cmocka_unit_test(test_rejects_malformed),
        cmocka_unit_test(test_rejects_nul_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
