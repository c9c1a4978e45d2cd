/* playbooks.c - plan 001 附件4 典型网络安全事件应对措施, as checklists (playbooks.h).
 * The steps are the plan's, shortened; the plan's text is the authority. */
#include "playbooks.h"

#include <string.h>

static const struct fh_playbook playbooks[] = {
    {"web_tamper", "网页内容篡改事件", "IDI.IAI ICSI", -1,
     {"立即停止网站对外服务(断网或下线),不要关机,保留日志供取证",
      "向网信、公安部门报告",
      "取证完成后修复:操作系统、中间件、网站程序漏洞,加强口令,关闭共享端口",
      "将调查和修复情况报网信部门",
      "第三方风险评估通过、无高危漏洞后再上线", NULL}},
    {"virus_outbreak", "大规模病毒爆发事件(如勒索病毒)", "MI", -1,
     {"物理隔离感染设备:拔网线、禁用网卡、关闭无线",
      "由专业人员对局域网内每台计算机查杀病毒、修补漏洞",
      "修改被感染服务器口令(大小写字母、数字、特殊字符,15位以上)",
      "关闭 445、139、135、3389 等不必要端口,避免打印机共享、远程桌面",
      "报告网信、公安部门;联系专业机构恢复文件,勿反复读写感染硬盘", NULL}},
    {"system_down", "信息系统瘫痪", "FF FF.SHF FF.MDA NAI.DOSAI", -1,
     {"切断与互联网的连接,备份数据;事态严重时报网信、公安部门",
      "请运维机构或应急技术支撑队伍排查:弱口令、策略、漏洞、病毒库、访问控制、边界防护",
      "修复系统;重要系统修复超过2小时,启用备用系统恢复业务",
      "上线前做风险评估,整改修复情况逐级报网信部门", NULL}},
    {"network_outage", "网络中断", "FF.PSFF FF.OFF", -1,
     {"联系网管人员,排除内部局域网故障",
      "通知电信运营商客户经理开展通信保障",
      "按中断影响范围确定事件等级",
      "较大及以上事件及时报送网信部门和主管部门", NULL}},
    {"high_risk_vuln", "信息系统高危漏洞(风险通报)", "NAI.VAI", 7,
     {"立即联系开发商、运维机构,按通报逐项排查、修补高危漏洞",
      "无技术力量时请第三方应急技术支撑单位协助;重要时期可临时断网",
      "修复后上线前做风险评估",
      "收到通报后7日内将整改情况报网信部门", NULL}},
};
#define NPLAYBOOKS (sizeof playbooks / sizeof playbooks[0])

/* Is code one of the space-separated words of list? */
static int listed(const char *list, const char *code, size_t len)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, " ");
        if (n == len && strncmp(p, code, len) == 0)
            return 1;
        p += n + (p[n] == ' ');
    }
    return 0;
}

const struct fh_playbook *fh_playbook_for_class(const char *class_code)
{
    if (!class_code)
        return NULL;
    size_t len = strlen(class_code), cat = strcspn(class_code, ".");
    for (size_t i = 0; i < NPLAYBOOKS; i++)
        if (listed(playbooks[i].classes, class_code, len))
            return &playbooks[i];
    for (size_t i = 0; i < NPLAYBOOKS; i++)
        if (listed(playbooks[i].classes, class_code, cat))
            return &playbooks[i];
    return NULL;
}

const struct fh_playbook *fh_playbook_get(const char *id)
{
    for (size_t i = 0; id && i < NPLAYBOOKS; i++)
        if (strcmp(playbooks[i].id, id) == 0)
            return &playbooks[i];
    return NULL;
}

size_t fh_playbook_steps(const struct fh_playbook *p)
{
    size_t n = 0;
    while (p && n < FH_PLAYBOOK_MAX_STEPS && p->steps[n])
        n++;
    return n;
}
