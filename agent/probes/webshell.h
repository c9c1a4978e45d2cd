/* webshell.h - heuristics for web shells in script files: pure functions over a buffer.
 *
 * The fim probe hands fh_webshell_scan() the first max_scan_bytes of every script file
 * that is new or changed in a web root. The scan goes line by line and, on each line,
 * tries the rules of a fixed table in order; the first line with a matching rule is the
 * answer. The rules (fh_webshell_rules[]):
 *   exec-request       a call of eval/assert/system/exec/shell_exec/passthru/popen/
 *                      proc_open/pcntl_exec/create_function/call_user_func/Execute whose
 *                      argument text holds request input ($_GET, $_POST, $_REQUEST,
 *                      $_COOKIE, $_FILES, php://input, request.getParameter(,
 *                      Request.Form, Request.Item, Request(, form.getvalue, param(...)
 *                                                   -> NAI.BDAI (后门), high
 *   request-function   request input called as a function: $_GET['a']($_POST['b'])
 *                                                   -> NAI.BDAI, high
 *   shell-signature    a known web shell's marker (c99shell, r57shell, b374k, FilesMan,
 *                      weevely, phpspy, the default key of Behinder...)
 *                                                   -> NAI.BDAI, high
 *   eval-decoded       an evaluator (eval, assert, create_function, Execute, exec) whose
 *                      argument text holds a decoder (base64_decode, gzinflate, str_rot13,
 *                      hex2bin, FromBase64String, b64decode, atob...)
 *                                                   -> MI.WBPI (网页内嵌恶意代码), high
 *   escaped-blob       at least FH_WEBSHELL_ESCAPES_MIN "\xHH" escapes on one line
 *                                                   -> MI.WBPI, medium
 *   obfuscated-blob    a run of at least FH_WEBSHELL_BLOB_MIN base64-alphabet characters
 *                      whose Shannon entropy is at least FH_WEBSHELL_BLOB_CENTIBITS/100
 *                      bits a character (not after "data:", an inline image), or a run
 *                      of at least FH_WEBSHELL_HEX_MIN hex digits
 *                                                   -> MI.WBPI, medium
 * Names match case-insensitively and only at an identifier boundary ("curl_exec(" is no
 * exec, "->execute(" and "::exec(" are database methods, not shells). Binary content is
 * scanned like text (a GIF with PHP appended is a classic); excerpts replace
 * non-printable bytes. Known limits: one line at a time, so input passed through a
 * variable on another line ($a = $_POST['x']; eval($a);) is only caught by the other
 * rules; encodings other than the ones named are not decoded. */
#ifndef FH_WEBSHELL_H
#define FH_WEBSHELL_H

#include <stdbool.h>
#include <stddef.h>

#include "fenghuo.pb-c.h"

#define FH_WEBSHELL_MAX_SCAN (16u << 20)   /* longest buffer fh_webshell_scan takes */
#define FH_WEBSHELL_BLOB_MIN 256           /* base64-alphabet run for obfuscated-blob */
#define FH_WEBSHELL_BLOB_CENTIBITS 520     /* its entropy threshold: 5.20 bits a char */
#define FH_WEBSHELL_HEX_MIN 1024           /* a run of hex digits this long is a blob */
#define FH_WEBSHELL_ESCAPES_MIN 32         /* "\xHH" escapes on one line */
#define FH_WEBSHELL_ARGS_MAX 512           /* bytes after "name(" searched for input */
#define FH_WEBSHELL_EXCERPT_MAX 512        /* the excerpt of fh_webshell_excerpt */

struct fh_webshell_rule {
    const char *id;          /* "exec-request" */
    const char *class_code;  /* GB/Z 20986: "NAI.BDAI" or "MI.WBPI" */
    Fh__Severity severity;
    const char *what;        /* one line for a person */
};

/* The rules, in the order they are tried on a line; NULL id ends the table. */
extern const struct fh_webshell_rule fh_webshell_rules[];

struct fh_webshell_match {
    const struct fh_webshell_rule *rule;
    size_t line_no;     /* 1-based */
    size_t line_off;    /* the line is buf[line_off .. line_off + line_len) */
    size_t line_len;
    size_t hit_off;     /* where the matching text starts in buf */
};

/* Scan buf[0..len) and fill *m with the first matching line. Returns 1 (a match), 0
 * (none), FH_EINVAL (NULL buf with len > 0, or NULL m) or FH_ETOOBIG (len over
 * FH_WEBSHELL_MAX_SCAN: nothing is scanned). */
int fh_webshell_scan(const char *buf, size_t len, struct fh_webshell_match *m);

/* The matching line as printable text in out (out_len bytes, NUL-terminated), leading
 * blanks dropped; a line longer than out_len - 1 is cut to a window around the hit
 * with "..." marking the cuts. Control and non-ASCII bytes become '?', so the excerpt
 * is valid UTF-8 whatever the file holds. */
void fh_webshell_excerpt(const char *buf, size_t len, const struct fh_webshell_match *m,
                         char *out, size_t out_len);

/* True when the extension of name (after its last '.') is one of the comma list exts
 * ("php,jsp,asp"), compared case-insensitively. */
bool fh_webshell_ext_match(const char *name, const char *exts);

#endif
