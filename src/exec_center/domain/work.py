"""Work items: what waits for someone, in the court's terms."""

from __future__ import annotations

from .labels import LabelledEnum


class WorkItemKind(LabelledEnum):
    QUERY_CONTROL = "QUERY_CONTROL", "集约查控"
    ANALYSE_FINDINGS = "ANALYSE_FINDINGS", "分析查控结果"
    INVESTIGATE = "INVESTIGATE", "线下调查"
    INVESTIGATE_DISPOSABLE = "INVESTIGATE_DISPOSABLE", "预处置财产调查"
    MEDIATE = "MEDIATE", "执行调解"
    TAX_LETTER = "TAX_LETTER", "函询基准价"
    CONVERT = "CONVERT", "转执行立案"
    FAST_CLOSE = "FAST_CLOSE", "快立快结"
    ENFORCE = "ENFORCE", "强制执行"
    ARCHIVE = "ARCHIVE", "归档"
    DECIDE_EXTENSION = "DECIDE_EXTENSION", "审批延期申请"
    ADJUDICATION_APPLICATION = "ADJUDICATION_APPLICATION", "执行裁决申请"
    FIRST_CONTACT = "FIRST_CONTACT", "首接办理"
    VISIT = "VISIT", "来访接待"
    CLASSIFY_MESSAGE = "CLASSIFY_MESSAGE", "网上留言分类"
    DRAFT_REPLY = "DRAFT_REPLY", "确定答复内容"
    SEND_REPLY = "SEND_REPLY", "答复网上留言"
    PETITION = "PETITION", "执行信访"
    DEADLINE_OVERDUE = "DEADLINE_OVERDUE", "超期督办"
