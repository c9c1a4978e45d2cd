/* test_webshell.c - the web shell heuristics: each rule found on a shell, kept quiet on
 * look-alike code, at and around its thresholds; bounds, binary content, excerpts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "webshell.h"

/* The rule id matching text, or NULL when none does. */
static const char *rule_of(const char *text)
{
    struct fh_webshell_match m;
    int rc = fh_webshell_scan(text, strlen(text), &m);
    assert_true(rc == 0 || rc == 1);
    return rc == 1 ? m.rule->id : NULL;
}

static void assert_rule(const char *text, const char *id)
{
    const char *got = rule_of(text);
    if (!id) {
        if (got)
            fail_msg("\"%s\" matched %s", text, got);
        return;
    }
    if (!got || strcmp(got, id) != 0)
        fail_msg("\"%s\": expected %s, got %s", text, id, got ? got : "none");
}

static void test_exec_request_finds_one_line_shells(void **state)
{
    (void)state;
    assert_rule("<?php @eval($_POST['cmd']); ?>", "exec-request");
    assert_rule("<?php system($_GET[\"c\"] . ' 2>&1'); ?>", "exec-request");
    assert_rule("<?php echo shell_exec( $_REQUEST['x'] ); ?>", "exec-request");
    assert_rule("<?php assert(stripslashes($_COOKIE['a'])); ?>", "exec-request");
    assert_rule("<% Runtime.getRuntime().exec(request.getParameter(\"cmd\")); %>",
                "exec-request");
    assert_rule("<%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"z\"],\"unsafe\");%>",
                "exec-request");
    assert_rule("<?php eval(file_get_contents('php://input')); ?>", "exec-request");
}

static void test_exec_request_ignores_methods_and_plain_calls(void **state)
{
    (void)state;
    assert_rule("<?php $stmt->execute([$_POST['name'], $_POST['mail']]); ?>", NULL);
    assert_rule("cursor.execute(sql, (request.form['name'],))  # a query", NULL);
    assert_rule("<?php $out = curl_exec($ch); echo $_GET['page']; ?>", NULL);
    assert_rule("<?php system('uptime'); // no request input here ?>", NULL);
    assert_rule("<?php $evaluation = evaluate($_POST['score']); ?>", NULL);
}

static void test_request_function_finds_called_input(void **state)
{
    (void)state;
    assert_rule("<?php $_GET['f']($_POST['arg']); ?>", "request-function");
    assert_rule("<?php @$_REQUEST[\"a\"] ($_REQUEST[\"b\"]); ?>", "request-function");
    assert_rule("<?php $name = $_GET['name']; echo htmlspecialchars($name); ?>", NULL);
}

static void test_signature_finds_known_shells(void **state)
{
    (void)state;
    assert_rule("<title>c99shell v. 1.0 pre-release build</title>", "shell-signature");
    assert_rule("$auth_pass = \"\"; $default_action = 'FilesMan';", "shell-signature");
    assert_rule("@session_start(); $key=\"e45e329feb5d925b\"; // behinder", "shell-signature");
    assert_rule("<p>Welcome to the school shell club news page</p>", NULL);
}

static void test_eval_decoded_finds_decoders(void **state)
{
    (void)state;
    assert_rule("<?php eval(base64_decode('ZWNobyAxOw==')); ?>", "eval-decoded");
    assert_rule("<?php eval(gzinflate(str_rot13(base64_decode($x)))); ?>", "eval-decoded");
    assert_rule("exec(base64.b64decode(payload))  # python loader", "eval-decoded");
    assert_rule("<?php $img = base64_decode($data); file_put_contents($f, $img); ?>", NULL);
}

static void test_escaped_blob_at_threshold(void **state)
{
    (void)state;
    char line[512] = "<?php $s = \"";
    for (int i = 0; i < FH_WEBSHELL_ESCAPES_MIN - 1; i++)
        strcat(line, "\\x41");
    strcat(line, "\"; ?>");
    assert_rule(line, NULL);                       /* one below the threshold */
    char *q = strstr(line, "\"; ?>");
    memcpy(q, "\\x42\"; ?>", 10);
    assert_rule(line, "escaped-blob");             /* at it */
}

/* A pseudo-random base64 text of n characters (high entropy). */
static void b64_noise(char *out, size_t n, unsigned seed)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        out[i] = a[(seed >> 16) & 63];
    }
    out[n] = '\0';
}

static void test_obfuscated_blob_by_length_and_entropy(void **state)
{
    (void)state;
    char blob[FH_WEBSHELL_BLOB_MIN + 1], line[FH_WEBSHELL_BLOB_MIN + 64];
    b64_noise(blob, FH_WEBSHELL_BLOB_MIN - 1, 7);
    snprintf(line, sizeof line, "<?php $p = '%s'; ?>", blob);
    assert_rule(line, NULL);                       /* one short of the length */
    b64_noise(blob, FH_WEBSHELL_BLOB_MIN, 7);
    snprintf(line, sizeof line, "<?php $p = '%s'; ?>", blob);
    assert_rule(line, "obfuscated-blob");
    memset(blob, 'A', FH_WEBSHELL_BLOB_MIN);       /* long but no entropy */
    snprintf(line, sizeof line, "<?php $p = '%s'; ?>", blob);
    assert_rule(line, NULL);
}

static void test_obfuscated_blob_spares_inline_images(void **state)
{
    (void)state;
    char blob[600], line[700];
    b64_noise(blob, 500, 3);
    snprintf(line, sizeof line, "<img src=\"data:image/png;base64,%s\">", blob);
    assert_rule(line, NULL);
}

static void test_later_line_number_and_excerpt(void **state)
{
    (void)state;
    const char *text = "<?php\n// a contact form\n\t  @eval($_POST['z']);\n?>\n";
    struct fh_webshell_match m;
    char ex[64];
    assert_int_equal(fh_webshell_scan(text, strlen(text), &m), 1);
    assert_int_equal(m.line_no, 3);
    fh_webshell_excerpt(text, strlen(text), &m, ex, sizeof ex);
    assert_string_equal(ex, "@eval($_POST['z']);");
}

static void test_long_line_excerpt_is_cut_around_the_hit(void **state)
{
    (void)state;
    size_t n = 10000;
    char *text = malloc(n + 64), ex[FH_WEBSHELL_EXCERPT_MAX];
    memset(text, ' ', n);
    memcpy(text, "<?php /*", 8);
    strcpy(text + n, "*/ eval($_GET['q']); ?>");
    struct fh_webshell_match m;
    assert_int_equal(fh_webshell_scan(text, strlen(text), &m), 1);
    fh_webshell_excerpt(text, strlen(text), &m, ex, sizeof ex);
    assert_true(strlen(ex) < sizeof ex);
    assert_non_null(strstr(ex, "eval($_GET['q'])"));
    assert_int_equal(strncmp(ex, "...", 3), 0);
    free(text);
}

static void test_binary_content_is_scanned_and_excerpt_printable(void **state)
{
    (void)state;
    char buf[256];
    size_t n = 0;
    memcpy(buf, "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff", 16);   /* an image ... */
    n = 16;
    static const char php[] = "\x00\x00<?php @eval($_POST[1]); ?>\xfe\n"; /* ... PHP */
    memcpy(buf + n, php, sizeof php - 1);
    n += sizeof php - 1;
    struct fh_webshell_match m;
    char ex[128];
    assert_int_equal(fh_webshell_scan(buf, n, &m), 1);
    assert_string_equal(m.rule->id, "exec-request");
    fh_webshell_excerpt(buf, n, &m, ex, sizeof ex);
    for (const char *p = ex; *p; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
}

static void test_random_binary_is_not_flagged(void **state)
{
    (void)state;
    size_t n = 64 * 1024;
    unsigned char *buf = malloc(n);
    unsigned seed = 99;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (unsigned char)(seed >> 16);
    }
    struct fh_webshell_match m;
    assert_int_equal(fh_webshell_scan((const char *)buf, n, &m), 0);
    free(buf);
}

static void test_bounds_refuse_oversized_and_null(void **state)
{
    (void)state;
    struct fh_webshell_match m;
    assert_int_equal(fh_webshell_scan(NULL, 1, &m), FH_EINVAL);
    assert_int_equal(fh_webshell_scan("x", 1, NULL), FH_EINVAL);
    assert_int_equal(fh_webshell_scan(NULL, 0, &m), 0);
    assert_int_equal(fh_webshell_scan("x", (size_t)FH_WEBSHELL_MAX_SCAN + 1, &m),
                     FH_ETOOBIG);
}

static void test_arguments_searched_only_within_bound(void **state)
{
    (void)state;
    size_t n = FH_WEBSHELL_ARGS_MAX + 64;
    char *line = malloc(n + 64);
    strcpy(line, "<?php system(\"ls\" ");
    size_t o = strlen(line);
    memset(line + o, ' ', FH_WEBSHELL_ARGS_MAX);
    strcpy(line + o + FH_WEBSHELL_ARGS_MAX, ". $_GET['x']); ?>");
    assert_rule(line, NULL);   /* the input is past the searched arguments */
    free(line);
}

static void test_extension_match(void **state)
{
    (void)state;
    const char *exts = "php,jsp, aspx";
    assert_true(fh_webshell_ext_match("/www/a.php", exts));
    assert_true(fh_webshell_ext_match("/www/A.PHP", exts));
    assert_true(fh_webshell_ext_match("/www/x.aspx", exts));
    assert_false(fh_webshell_ext_match("/www/a.php.txt", exts));
    assert_false(fh_webshell_ext_match("/www/a.ph", exts));
    assert_false(fh_webshell_ext_match("/www.php/readme", exts));
    assert_false(fh_webshell_ext_match("/www/php", exts));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_request_finds_one_line_shells),
        cmocka_unit_test(test_exec_request_ignores_methods_and_plain_calls),
        cmocka_unit_test(test_request_function_finds_called_input),
        cmocka_unit_test(test_signature_finds_known_shells),
        cmocka_unit_test(test_eval_decoded_finds_decoders),
        cmocka_unit_test(test_escaped_blob_at_threshold),
        cmocka_unit_test(test_obfuscated_blob_by_length_and_entropy),
        cmocka_unit_test(test_obfuscated_blob_spares_inline_images),
        cmocka_unit_test(test_later_line_number_and_excerpt),
        cmocka_unit_test(test_long_line_excerpt_is_cut_around_the_hit),
        cmocka_unit_test(test_binary_content_is_scanned_and_excerpt_printable),
        cmocka_unit_test(test_random_binary_is_not_flagged),
        cmocka_unit_test(test_bounds_refuse_oversized_and_null),
        cmocka_unit_test(test_arguments_searched_only_within_bound),
        cmocka_unit_test(test_extension_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
