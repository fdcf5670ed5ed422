"""What the audit trail records: each action a history entry can name, with its zh-CN label.

`HistoryEntry.action` is this enum; `tests/unit/test_audit_actions.py` reads the source and checks
that every action the services record is here. Entries recorded under a name that is no longer
used read as OTHER.
"""

from __future__ import annotations

from .labels import LabelledEnum
from .lifecycle import CaseStep


class AuditAction(LabelledEnum):
    # Cases (Chapter 2); the lifecycle's steps are recorded under the step's name.
    RECEIVE_CASE = "RECEIVE_CASE", "收案"
    DISPATCH_QUERY = "DISPATCH_QUERY", CaseStep.DISPATCH_QUERY.label
    ASSET_QUERY_SKIPPED = "ASSET_QUERY_SKIPPED", "未发起财产查询"
    RECORD_FINDINGS = "RECORD_FINDINGS", CaseStep.RECORD_FINDINGS.label
    DECIDE_CONTROL = "DECIDE_CONTROL", CaseStep.DECIDE_CONTROL.label
    CONTROL_MEASURE = "CONTROL_MEASURE", "采取控制措施"
    RENEW_CONTROL_MEASURE = "RENEW_CONTROL_MEASURE", "续行控制措施"
    END_CONTROL_MEASURE = "END_CONTROL_MEASURE", "解除控制措施"
    LAPSED_CONTROL_MEASURE = "LAPSED_CONTROL_MEASURE", "控制措施到期失效"
    COMPLETE_QUERY_CONTROL = "COMPLETE_QUERY_CONTROL", CaseStep.COMPLETE_QUERY_CONTROL.label
    TRANSFER = "TRANSFER", CaseStep.TRANSFER.label
    TRANSFER_CASE = "TRANSFER_CASE", "移交执行实施团队"
    SET_HANDLER = "SET_HANDLER", "确定承办人"
    RECORD_INVESTIGATION = "RECORD_INVESTIGATION", CaseStep.RECORD_INVESTIGATION.label
    # The team's records (recordTeamWork) are recorded as RECORD_<CaseRecordKind>.
    RECORD_SUMMONS = "RECORD_SUMMONS", "登记传唤双方当事人"
    RECORD_PROPERTY_REPORT = "RECORD_PROPERTY_REPORT", "登记报告财产"
    RECORD_ASSET_VERIFICATION = "RECORD_ASSET_VERIFICATION", "登记核实财产"
    RECORD_MEDIATION = "RECORD_MEDIATION", "登记执行调解"
    RECORD_TAX_LETTER_SERVICE = "RECORD_TAX_LETTER_SERVICE", "登记基准价函送达"
    RECORD_APPLICANT_INFORMED = "RECORD_APPLICANT_INFORMED", "登记告知申请执行人并听取意见"
    RECORD_EXECUTION_PLAN = "RECORD_EXECUTION_PLAN", "登记执行方案"
    RECORD_BENCHMARK_PRICE = "RECORD_BENCHMARK_PRICE", "登记税务部门基准价"
    SEND_TAX_LETTER = "SEND_TAX_LETTER", CaseStep.SEND_TAX_LETTER.label
    START_MEDIATION = "START_MEDIATION", CaseStep.START_MEDIATION.label
    RECORD_MEDIATION_OUTCOME = "RECORD_MEDIATION_OUTCOME", CaseStep.RECORD_MEDIATION_OUTCOME.label
    RECORD_EFFECTIVE_TITLE = "RECORD_EFFECTIVE_TITLE", "登记生效法律文书"
    CONVERT = "CONVERT", CaseStep.CONVERT.label
    CONVERT_CASE = "CONVERT_CASE", "转执行立案"
    FILE_CONVERTED_CASE = "FILE_CONVERTED_CASE", "立执行案件"
    START_ENFORCEMENT = "START_ENFORCEMENT", CaseStep.START_ENFORCEMENT.label
    CLOSE = "CLOSE", CaseStep.CLOSE.label
    CLOSE_CASE = "CLOSE_CASE", "结案"
    ARCHIVE = "ARCHIVE", CaseStep.ARCHIVE.label
    ARCHIVE_CASE = "ARCHIVE_CASE", "归档"
    ARCHIVE_INTO = "ARCHIVE_INTO", "材料归入案卷"
    FILE_ADJUDICATION_APPLICATION = "FILE_ADJUDICATION_APPLICATION", "提交执行裁决申请"
    DECIDE_ADJUDICATION_APPLICATION = "DECIDE_ADJUDICATION_APPLICATION", "执行裁决申请审查决定"
    RECORD_REVIEW_CASE_NUMBER = "RECORD_REVIEW_CASE_NUMBER", "登记执复案号"
    RESUME_EXECUTION = "RESUME_EXECUTION", "恢复执行"
    FILE_RESUMED_CASE = "FILE_RESUMED_CASE", "立恢复执行案件"
    RENDER_DOCUMENT = "RENDER_DOCUMENT", "生成文书"
    REGISTER_AGENT = "REGISTER_AGENT", "登记诉讼代理人"
    VERIFY_PARTY = "VERIFY_PARTY", "核验当事人身份"
    DISCLOSE_PERSONAL_DATA = "DISCLOSE_PERSONAL_DATA", "查看完整个人信息"
    SET_TRANSFER_STRATEGY = "SET_TRANSFER_STRATEGY", "设置移交方式"
    # Windows and online channels (Chapter 1).
    RECORD_VISIT = "RECORD_VISIT", "登记来访"
    RESOLVE_VISIT = "RESOLVE_VISIT", "办结来访"
    RECORD_FIRST_CONTACT = "RECORD_FIRST_CONTACT", "登记首次接待"
    CLOSE_FIRST_CONTACT = "CLOSE_FIRST_CONTACT", "办结首次接待"
    RECEIVE_MATERIALS = "RECEIVE_MATERIALS", "接收材料"
    TRANSFER_MATERIALS = "TRANSFER_MATERIALS", "流转材料"
    RECORD_PETITION = "RECORD_PETITION", "登记信访"
    ANSWER_PETITION = "ANSWER_PETITION", "答复信访"
    DISCLOSURE_REFUSED = "DISCLOSURE_REFUSED", "拒绝公开案件信息"
    INGEST_ONLINE_MESSAGE = "INGEST_ONLINE_MESSAGE", "接收网上留言"
    CLASSIFY_ONLINE_MESSAGE = "CLASSIFY_ONLINE_MESSAGE", "网上留言分类"
    RECLASSIFY_ONLINE_MESSAGE = "RECLASSIFY_ONLINE_MESSAGE", "网上留言重新分类"
    SETTLE_REPLY = "SETTLE_REPLY", "确定答复内容"
    SEND_REPLY = "SEND_REPLY", "发送答复"
    DELIVER_REPLY = "DELIVER_REPLY", "答复已送达"
    REPLY_DELIVERY_FAILED = "REPLY_DELIVERY_FAILED", "答复发送失败"
    REPLY_RETURNED = "REPLY_RETURNED", "答复被退回"
    # Work items and deadlines.
    CREATE_WORK_ITEM = "CREATE_WORK_ITEM", "生成待办事项"
    CLAIM_WORK_ITEM = "CLAIM_WORK_ITEM", "领取事项"
    UNCLAIM_WORK_ITEM = "UNCLAIM_WORK_ITEM", "退回事项"
    COMPLETE_WORK_ITEM = "COMPLETE_WORK_ITEM", "办结事项"
    REASSIGN_WORK_ITEM = "REASSIGN_WORK_ITEM", "改派事项"
    START_DEADLINE = "START_DEADLINE", "期限起算"
    CLOSE_DEADLINE = "CLOSE_DEADLINE", "期限届满处理"
    CANCEL_DEADLINE = "CANCEL_DEADLINE", "期限取消"
    MOVE_DEADLINE = "MOVE_DEADLINE", "期限顺延"
    RECOMPUTE_DEADLINE = "RECOMPUTE_DEADLINE", "重新计算期限"
    ESCALATE_DEADLINE = "ESCALATE_DEADLINE", "期限预警升级"
    REQUEST_EXTENSION = "REQUEST_EXTENSION", "申请延长期限"
    EXTEND_DEADLINE = "EXTEND_DEADLINE", "批准延长期限"
    REFUSE_EXTENSION = "REFUSE_EXTENSION", "不批准延长期限"
    MARK_NOTIFICATIONS_READ = "MARK_NOTIFICATIONS_READ", "通知已读"
    ADD_CALENDAR_ENTRY = "ADD_CALENDAR_ENTRY", "添加节假日调整"
    REMOVE_CALENDAR_ENTRY = "REMOVE_CALENDAR_ENTRY", "删除节假日调整"
    CONFIRM_CALENDAR_YEAR = "CONFIRM_CALENDAR_YEAR", "确认年度工作日历"
    # Supervision orders (督办, Art. 4).
    ISSUE_SUPERVISION_ORDER = "ISSUE_SUPERVISION_ORDER", "下达督办"
    REPLY_TO_SUPERVISION_ORDER = "REPLY_TO_SUPERVISION_ORDER", "答复督办"
    # Exports: who asked for which list (a spreadsheet leaves the system).
    REQUEST_EXPORT = "REQUEST_EXPORT", "申请导出"
    # Accounts and organisation.
    SIGN_IN = "SIGN_IN", "登录"
    SIGN_OUT = "SIGN_OUT", "退出登录"
    SIGN_IN_FAILED = "SIGN_IN_FAILED", "登录失败"
    SIGN_IN_LOCKED = "SIGN_IN_LOCKED", "账号因多次登录失败暂时锁定"
    SIGN_IN_ADDRESS_LOCKED = "SIGN_IN_ADDRESS_LOCKED", "来源地址因多次登录失败暂时锁定"
    CREATE_STAFF = "CREATE_STAFF", "创建账号"
    DISABLE_STAFF = "DISABLE_STAFF", "停用账号"
    ENABLE_STAFF = "ENABLE_STAFF", "启用账号"
    RESET_PASSWORD = "RESET_PASSWORD", "重置密码"
    GRANT_ROLE = "GRANT_ROLE", "授予角色"
    REVOKE_ROLE = "REVOKE_ROLE", "撤销角色"
    SET_TEAM_MEMBER = "SET_TEAM_MEMBER", "调整团队成员"
    REMOVE_TEAM_MEMBER = "REMOVE_TEAM_MEMBER", "移出团队"
    ASSIGN_WINDOW = "ASSIGN_WINDOW", "安排窗口人员"
    UNASSIGN_WINDOW = "UNASSIGN_WINDOW", "撤出窗口人员"
    SEED_DEMO = "SEED_DEMO", "生成演示数据"
    OTHER = "OTHER", "其他"

    @classmethod
    def read(cls, stored: str) -> AuditAction:
        """The action a stored entry names; OTHER for a name no longer in use."""
        try:
            return cls(stored)
        except ValueError:
            return cls.OTHER
