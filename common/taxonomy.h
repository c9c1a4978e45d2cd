/* taxonomy.h - event classes of GB/Z 20986-2007 (信息安全事件分类分级指南).
 *
 * A class code is "CATEGORY" or "CATEGORY.SUBCLASS", e.g. "MI.CVI" (有害程序事件 /
 * 计算机病毒事件) or "IDI.IAI" (信息破坏事件 / 信息篡改事件). The table in taxonomy.c
 * is the one list of codes; grading rules and detections name classes by these codes. */
#ifndef FH_TAXONOMY_H
#define FH_TAXONOMY_H

#include <stdbool.h>

/* True when code is a known category or category.subclass. */
bool fh_class_valid(const char *code);
/* The Chinese name of a known code ("信息篡改事件"), or NULL: a static string. */
const char *fh_class_name(const char *code);

#endif
