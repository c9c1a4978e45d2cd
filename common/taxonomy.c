/* taxonomy.c - the GB/Z 20986-2007 class table (categories and their subclasses).
 * The names follow the classification in plan 001 附件1. */
#include "taxonomy.h"

#include <stddef.h>
#include <string.h>

static const struct {
    const char *code;
    const char *name;
} classes[] = {
    {"MI", "有害程序事件"},
    {"MI.CVI", "计算机病毒事件"},
    {"MI.WI", "蠕虫事件"},
    {"MI.THI", "特洛伊木马事件"},
    {"MI.BI", "僵尸网络事件"},
    {"MI.BHI", "混合攻击程序事件"},
    {"MI.WBPI", "网页内嵌恶意代码事件"},
    {"MI.OMI", "其他有害程序事件"},
    {"NAI", "网络攻击事件"},
    {"NAI.DOSAI", "拒绝服务攻击事件"},
    {"NAI.BDAI", "后门攻击事件"},
    {"NAI.VAI", "漏洞攻击事件"},
    {"NAI.NSEI", "网络扫描窃听事件"},
    {"NAI.PI", "网络钓鱼事件"},
    {"NAI.II", "干扰事件"},
    {"NAI.ONAI", "其他网络攻击事件"},
    {"IDI", "信息破坏事件"},
    {"IDI.IAI", "信息篡改事件"},
    {"IDI.IMI", "信息假冒事件"},
    {"IDI.LII", "信息泄露事件"},
    {"IDI.III", "信息窃取事件"},
    {"IDI.ILI", "信息丢失事件"},
    {"IDI.OIDI", "其他信息破坏事件"},
    {"ICSI", "信息内容安全事件"},
    {"FF", "设备设施故障"},
    {"FF.SHF", "软硬件自身故障"},
    {"FF.PSFF", "外围保障设施故障"},
    {"FF.MDA", "人为破坏事故"},
    {"FF.OFF", "其他设备设施故障"},
    {"DI", "灾害性事件"},
    {"OI", "其他事件"},
};

const char *fh_class_name(const char *code)
{
    if (!code)
        return NULL;
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (strcmp(classes[i].code, code) == 0)
            return classes[i].name;
    return NULL;
}

bool fh_class_valid(const char *code)
{
    return fh_class_name(code) != NULL;
}
