import Foundation
import HTTPTypes
import HotlineCore
import HotlineStore
import Hummingbird
import NIOCore

/// The ticket page: content, the caller as this user may see them, clocks, escalations, the
/// timeline, attachments, and exactly the actions the user may take now, each a form whose
/// fields are the API verb's body fields.
extension Workbench {
    /// One field of an action form.
    enum Field {
        case text(String, String, max: Int, required: Bool = false)
        case area(String, String, required: Bool = false)
        case choice(String, String, [(String, String)], required: Bool = true)
        case yesNo(String, String)
        case number(String, String, ClosedRange<Int>)
        case date(String, String)
        case units(String, String, multiple: Bool)
        case files(String, String)
    }

    struct ActionForm {
        var verb: Verb
        var title: String
        var fields: [Field]
    }

    static let satisfactions = [("satisfied", "满意"), ("basically_satisfied", "基本满意"), ("unsatisfied", "不满意")]
    static let levels = [("reminder", "提醒单"), ("urging", "催办单"), ("supervision", "督办单"), ("referral", "问责函")]

    static func form(_ verb: Verb) -> ActionForm {
        switch verb {
        case .answer: return .init(verb: verb, title: "直接答复", fields: [.text("kb_entry_id", "知识库条目编号（可选）", max: 40), .area("answer", "答复内容")])
        case .reject: return .init(verb: verb, title: "不予受理", fields: [.area("reason", "理由", required: true), .area("advice", "建议")])
        case .transfer:
            return .init(verb: verb, title: "转办", fields: [.choice("target", "转至", [("110", "110"), ("119", "119"), ("120", "120"), ("122", "122")]), .area("note", "说明")])
        case .merge: return .init(verb: verb, title: "合并到工单", fields: [.text("into_ticket_id", "目标工单编号（内部编号）", max: 20, required: true)])
        case .dispatch:
            return .init(verb: verb, title: "派单", fields: [.units("lead_unit_id", "主办单位（不选则按派单目录）", multiple: false),
                                                          .units("co_unit_ids", "协办单位", multiple: true)])
        case .accept: return .init(verb: verb, title: "签收", fields: [])
        case .return:
            return .init(verb: verb, title: "申请退回", fields: [.area("reason", "退回理由", required: true), .area("basis", "依据"),
                                                            .units("suggested_unit_id", "建议承办单位", multiple: false)])
        case .returnDecision:
            return .init(verb: verb, title: "审核退回申请", fields: [.yesNo("approve", "同意退回"), .units("new_lead_unit_id", "改派主办单位", multiple: false), .area("note", "意见")])
        case .extensionRequest:
            return .init(verb: verb, title: "申请延期", fields: [.number("working_days", "延期工作日", 1...60), .area("reason", "理由", required: true)])
        case .extensionDecision: return .init(verb: verb, title: "审核延期申请", fields: [.yesNo("approve", "同意延期"), .area("note", "意见")])
        case .suspend:
            return .init(verb: verb, title: "申请中止", fields: [
                .choice("reason", "中止原因", [("awaiting_ruling", "等待裁决"), ("caller_unavailable", "无法联系诉求人"), ("seasonal_work", "季节性施工"), ("third_party", "等待第三方")]),
                .date("until", "预计恢复日期（可选）"), .area("note", "说明")])
        case .suspendDecision: return .init(verb: verb, title: "审核中止申请", fields: [.yesNo("approve", "同意中止"), .area("note", "意见")])
        case .resume: return .init(verb: verb, title: "恢复办理", fields: [.area("note", "说明")])
        case .coReply: return .init(verb: verb, title: "协办意见", fields: [.area("content", "意见", required: true), .area("basis", "依据")])
        case .reply:
            return .init(verb: verb, title: "答复", fields: [.area("content", "办理结果", required: true), .area("basis", "依据"),
                                                        .yesNo("caller_informed", "已告知诉求人"), .files("evidence", "佐证材料（照片、PDF，可多选）")])
        case .replyReview: return .init(verb: verb, title: "审核答复", fields: [.yesNo("approve", "通过"), .area("note", "意见")])
        case .callback:
            return .init(verb: verb, title: "回访结果", fields: [
                .yesNo("reached", "已联系上诉求人"), .choice("satisfaction", "满意度", satisfactions, required: false),
                .choice("resolved", "问题是否解决", [("true", "已解决"), ("false", "未解决")], required: false),
                .choice("verdict", "不满意时的处理", [("reopen", "重办"), ("close_unreasonable", "诉求不合理，办结")], required: false),
                .area("note", "记录")])
        case .escalate: return .init(verb: verb, title: "督办", fields: [.choice("level", "级别", levels), .area("note", "说明")])
        case .terminate: return .init(verb: verb, title: "终结", fields: [.area("reason", "理由", required: true)])
        case .linkedResult: return .init(verb: verb, title: "联动结果", fields: [])
        }
    }

    /// The verb's body from the form's fields (the same names as the API's JSON).
    static func raw(_ form: Form) throws -> TicketAction.Raw {
        var r = TicketAction.Raw()
        var bad: [FieldError] = []
        func bool(_ name: String) -> Bool? {
            switch form.text(name) {
            case nil: return nil
            case "true": return true
            case "false": return false
            default: bad.append(FieldError(name, "must be true or false")); return nil
            }
        }
        r.kbEntryId = form.text("kb_entry_id"); r.answer = form.text("answer"); r.reason = form.text("reason"); r.advice = form.text("advice")
        r.target = form.text("target"); r.note = form.text("note"); r.intoTicketId = form.text("into_ticket_id")
        r.leadUnitId = form.text("lead_unit_id"); r.slaPolicy = form.text("sla_policy"); r.basis = form.text("basis")
        r.suggestedUnitId = form.text("suggested_unit_id"); r.newLeadUnitId = form.text("new_lead_unit_id"); r.content = form.text("content")
        r.level = form.text("level"); r.satisfaction = form.text("satisfaction"); r.verdict = form.text("verdict"); r.until = form.text("until")
        let co = form.all("co_unit_ids").filter { !$0.isEmpty }
        r.coUnitIds = co.isEmpty ? nil : co
        r.approve = bool("approve"); r.callerInformed = bool("caller_informed"); r.reached = bool("reached"); r.resolved = bool("resolved")
        if let d = form.text("working_days") {
            if let n = Int(d) { r.workingDays = n } else { bad.append(FieldError("working_days", "must be a whole number")) }
        }
        if !bad.isEmpty { throw ValidationFailure(bad) }
        return r
    }

    // MARK: the page

    func ticketPage(id: Int64, _ session: SessionStore.Session, _ ctx: AppContext, status: HTTPResponse.Status = .ok,
                    flash: (text: String, error: Bool)? = nil) async throws -> Response {
        let principal = session.principal
        let now = s.clock.now()
        guard let d = try await s.tickets.detail(id: id, for: principal, now: now) else {
            return page(session, status: .notFound, title: "工单不存在", Self.message("没有这张工单，或它不在您的办理范围内。"))
        }
        let routes = TicketRoutes(s)
        var shown = routes.shape(d.ticket, for: principal)
        // A confidential ticket's caller is on no page at all: the center calls back from its console.
        if shown.confidential { shown.caller = nil }
        try await routes.logAccess(.read, [shown], principal, ctx)
        let attachments = try await s.attachments.list(ticketId: id)
        let store = WorkbenchStore(db: s.db)
        let unitIds = Array(Set(d.assignments.compactMap { Int64($0.unitId) }))
        let units = try await store.unitNames(unitIds)
        let people = try await store.userNames(Array(Set(d.events.compactMap { $0.actorId.flatMap(Int64.init) })))
        let ticketStatus = TicketStatus(rawValue: d.ticket.status) ?? .registered
        var standing = Lifecycle.Standing()
        if principal.role == .handler {
            for a in d.assignments where a.status == "active" {
                guard let u = Int64(a.unitId), try await s.reference.unit(u, isWithin: principal) else { continue }
                if a.role == "lead" { standing.leadIsMine = true } else {
                    standing.coIsMine = true
                    standing.coSigned = a.clocks.first { $0.kind == "response" }?.metAt != nil
                }
            }
        }
        let verbs = Lifecycle.available(to: principal.role, status: ticketStatus, standing: standing)
        let needsUnits = verbs.contains { v in Self.form(v).fields.contains { if case .units = $0 { return true }; return false } }
        let unitChoices = needsUnits ? try await store.dispatchableUnits() : []

        let body = group {
            if let flash { el("p", ["class": flash.error ? "error" : "notice", "role": flash.error ? "alert" : "status"]) { flash.text } }
            el("section", ["class": "card"]) {
                el("h2") { shown.title }
                el("dl", ["class": "facts"]) {
                    el("dt") { "工单号" }; el("dd") { shown.number }
                    el("dt") { "状态" }; el("dd", ["data-status": shown.status]) { Self.statusName(shown.status) }
                    el("dt") { "热线 / 渠道" }; el("dd") { "\(shown.hotlineNumber) / \(shown.channel)" }
                    el("dt") { "分类" }; el("dd") { shown.categoryCode ?? "—" }
                    el("dt") { "区域" }; el("dd") { shown.regionCode ?? "—" }
                    el("dt") { "受理时间" }; el("dd") { time(shown.receivedAt) }
                    el("dt") { "诉求人" }
                    el("dd", ["class": "caller"]) {
                        if shown.confidential { "保密工单：诉求人信息不显示" }
                        else if let c = shown.caller { [c.name, c.phone, c.address].compactMap { $0 }.joined(separator: "，") }
                        else { "匿名" }
                    }
                }
                el("h2") { "诉求内容" }
                el("p", ["class": "content"]) { shown.content }
                if let outcome = shown.outcome, !outcome.isEmpty {
                    el("h2") { "办理结果" }
                    el("dl", ["class": "facts"]) { for (k, v) in outcome.sorted(by: { $0.key < $1.key }) { el("dt") { k }; el("dd", ["class": "content"]) { v } } }
                }
            }
            if !d.assignments.isEmpty {
                el("section", ["class": "card"]) {
                    el("h2") { "承办与时限" }
                    el("table", ["class": "list"]) {
                        el("thead") { el("tr") { el("th") { "单位" }; el("th") { "角色" }; el("th") { "时限" }; el("th") { "督办" } } }
                        el("tbody") {
                            for a in d.assignments {
                                el("tr") {
                                    el("td") { units[Int64(a.unitId) ?? 0] ?? a.unitId }
                                    el("td") { a.role == "lead" ? "主办" : "协办"; a.status == "active" ? "" : "（已结束）" }
                                    el("td") {
                                        for c in a.clocks {
                                            el("div") {
                                                "\(Self.clockName(c.kind))：\(time(c.deadline)) "
                                                if let met = c.metAt { el("span", ["class": c.breached ? "late" : "calm"]) { "已完成 \(time(met))" + (c.breached ? "（超时）" : "") } }
                                                else if a.status == "active" { timeLeft(c.deadline, now: now, suspended: c.suspendedSince != nil) }
                                            }
                                        }
                                    }
                                    el("td") {
                                        for e in a.escalations { el("div", ["class": "late"]) { "\(Self.levels.first { $0.0 == e.level }?.1 ?? e.level) \(time(e.issuedAt))" } }
                                        if a.escalations.isEmpty { "—" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            el("section", ["class": "card"]) {
                el("h2") { "附件（佐证材料）" }
                if attachments.isEmpty { el("p", ["class": "muted"]) { "暂无附件。" } } else {
                    el("ul", ["class": "attachments"]) {
                        for a in attachments {
                            el("li") {
                                el("a", ["href": "/ui/tickets/\(id)/attachments/\(a.id)"]) { a.filename }
                                el("span", ["class": "muted"]) { " \(a.kind == "evidence" ? "佐证" : a.kind == "caller" ? "诉求人提供" : "其他") · \(a.bytes / 1024 + 1) KB · \(time(a.uploadedAt))" }
                            }
                        }
                    }
                }
                if AttachmentRoutes.uploaders.contains(principal.role) && ticketStatus.isOpen {
                    el("form", ["method": "post", "action": "/ui/tickets/\(id)/attachments", "enctype": "multipart/form-data"]) {
                        void("input", ["type": "hidden", "name": "csrf", "value": session.csrf])
                        el("label") { "上传附件（JPEG、PNG、PDF、MP3、WAV，≤ \(s.attachmentMaxBytes / 1024 / 1024) MB）"
                            void("input", ["type": "file", "name": "file", "accept": "image/jpeg,image/png,application/pdf,audio/mpeg,audio/wav", "required": ""]) }
                        el("label") { "类别"; el("select", ["name": "kind"]) {
                            el("option", ["value": "evidence"]) { "佐证材料" }; el("option", ["value": "caller"]) { "诉求人提供" }; el("option", ["value": "other"]) { "其他" } } }
                        el("button", ["type": "submit"]) { "上传" }
                    }
                }
            }
            if !verbs.isEmpty {
                el("h2") { "可执行的操作" }
                el("div", ["class": "actions"]) {
                    for v in verbs { actionForm(Self.form(v), ticket: id, version: d.ticket.version, session: session, units: unitChoices) }
                }
            }
            el("section", ["class": "card"]) {
                el("h2") { "办理记录" }
                el("ol", ["class": "timeline"]) {
                    for e in d.events {
                        el("li") {
                            el("span", ["class": "muted"]) { time(e.at) + " " }
                            Self.eventName(e.kind)
                            if let who = e.actorId.flatMap(Int64.init).flatMap({ people[$0] }) { el("span", ["class": "muted"]) { " · \(who)" } }
                            if let to = e.toStatus, to != e.fromStatus { " → \(Self.statusName(to))" }
                            for key in ["reason", "note", "content", "answer", "filename", "level"] {
                                if let v = e.payload[key], !v.isEmpty { el("div", ["class": "content"]) { v } }
                            }
                        }
                    }
                }
            }
        }
        return page(session, status: status, title: "工单 \(shown.number)", body)
    }

    static func eventName(_ kind: String) -> String {
        switch kind {
        case "registered": return "登记"
        case "dispatch": return "派单"
        case "accept": return "签收"
        case "return": return "申请退回"
        case "return-decision": return "退回审核"
        case "extension": return "申请延期"
        case "extension-decision": return "延期审核"
        case "suspend": return "申请中止"
        case "suspend-decision": return "中止审核"
        case "resume": return "恢复办理"
        case "co-reply": return "协办意见"
        case "reply": return "答复"
        case "reply-review": return "答复审核"
        case "callback": return "回访"
        case "escalate", "escalation": return "督办"
        case "terminate": return "终结"
        case "answer": return "直接答复"
        case "reject": return "不予受理"
        case "transfer": return "转办"
        case "merge", "duplicate_merged": return "合并"
        case "deadline_moved": return "时限调整"
        case "attachment_added": return "上传附件"
        default: return kind
        }
    }

    func actionForm(_ f: ActionForm, ticket: Int64, version: Int, session: SessionStore.Session, units: [(Int64, String)]) -> HTMLNode {
        let multipart = f.fields.contains { if case .files = $0 { return true }; return false }
        return el("form", ["method": "post", "action": "/ui/tickets/\(ticket)/\(f.verb.rawValue)", "enctype": multipart ? "multipart/form-data" : nil,
                           "data-verb": f.verb.rawValue]) {
            el("h3") { f.title }
            void("input", ["type": "hidden", "name": "csrf", "value": session.csrf])
            void("input", ["type": "hidden", "name": "version", "value": String(version)])
            for field in f.fields {
                switch field {
                case .text(let name, let label, let max, let required):
                    el("label") { label; void("input", ["name": name, "maxlength": String(max), "required": required ? "" : nil]) }
                case .area(let name, let label, let required):
                    el("label") { label; el("textarea", ["name": name, "maxlength": "10000", "required": required ? "" : nil]) }
                case .choice(let name, let label, let options, let required):
                    el("label") { label; el("select", ["name": name, "required": required ? "" : nil]) {
                        if !required { el("option", ["value": ""]) { "—" } }
                        for (v, t) in options { el("option", ["value": v]) { t } } } }
                case .yesNo(let name, let label):
                    el("label") { label; el("select", ["name": name, "required": ""]) {
                        el("option", ["value": "true"]) { "是" }; el("option", ["value": "false"]) { "否" } } }
                case .number(let name, let label, let range):
                    el("label") { label; void("input", ["name": name, "type": "number", "min": String(range.lowerBound), "max": String(range.upperBound), "required": ""]) }
                case .date(let name, let label):
                    el("label") { label; void("input", ["name": name, "type": "date"]) }
                case .units(let name, let label, let multiple):
                    el("label") { label; el("select", ["name": name, "multiple": multiple ? "" : nil]) {
                        if !multiple { el("option", ["value": ""]) { "—" } }
                        for (id, n) in units { el("option", ["value": String(id)]) { n } } } }
                case .files(let name, let label):
                    el("label") { label; void("input", ["type": "file", "name": name, "multiple": "", "accept": "image/jpeg,image/png,application/pdf"]) }
                }
            }
            el("button", ["type": "submit"]) { f.title }
        }
    }
}
