import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

/// The lists people work from: a handler's inbox, the dispatcher's queue, the callback seat's queue.
extension Workbench {
    var zone: ServiceClockZone { s.zone }

    /// `11-21 14:05` in the service's zone.
    func time(_ d: Date) -> String {
        let c = zone.calendar.dateComponents([.month, .day, .hour, .minute], from: d)
        var out = Digits(capacity: 11)
        out.append(c.month ?? 0, width: 2); out.append("-"); out.append(c.day ?? 0, width: 2); out.append(" ")
        out.append(c.hour ?? 0, width: 2); out.append(":"); out.append(c.minute ?? 0, width: 2)
        return out.string
    }

    /// "剩余 2天3小时" / "已超期 5小时" and its colour: overdue red, due today amber.
    func timeLeft(_ due: Date?, now: Date, suspended: Bool = false) -> HTMLNode {
        if suspended { return el("span", ["class": "muted"]) { "已中止计时" } }
        guard let due else { return el("span", ["class": "muted"]) { "—" } }
        let seconds = Int(due.timeIntervalSince(now))
        let span = Self.duration(abs(seconds))
        if seconds < 0 { return el("span", ["class": "late"]) { "已超期 \(span)" } }
        let today = zone.localDay(of: now) == zone.localDay(of: due)
        return el("span", ["class": today ? "today" : "calm"]) { (today ? "今日到期，剩余 " : "剩余 ") + span }
    }

    static func duration(_ s: Int) -> String {
        let d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60
        if d > 0 { return "\(d)天\(h)小时" }
        if h > 0 { return "\(h)小时\(m)分" }
        return "\(max(m, 1))分钟"
    }

    static func statusName(_ raw: String) -> String {
        switch TicketStatus(rawValue: raw) {
        case .registered: return "已登记"
        case .answered: return "已直接答复"
        case .rejected: return "不予受理"
        case .transferred: return "已转办"
        case .merged: return "已合并"
        case .dispatched: return "待签收"
        case .accepted: return "办理中"
        case .returnRequested: return "申请退回"
        case .extensionRequested: return "申请延期"
        case .suspensionRequested: return "申请中止"
        case .suspended: return "已中止"
        case .replied: return "已答复待审核"
        case .awaitingCallback: return "待回访"
        case .reopened: return "重办"
        case .closed: return "已办结"
        case .terminated: return "已终结"
        case nil: return raw
        }
    }

    static func clockName(_ raw: String?) -> String {
        switch raw {
        case "response": return "签收"
        case "close": return "办结"
        case "co_reply": return "协办答复"
        default: return raw ?? ""
        }
    }

    func ticketLink(_ id: String, _ number: String) -> HTMLNode {
        el("a", ["href": "/ui/tickets/\(id)"]) { number }
    }

    // MARK: the handler's inbox

    func inbox(_ req: Request, _ session: SessionStore.Session) async throws -> Response {
        let raw = req.uri.queryParameters.get("state") ?? WorkbenchStore.InboxState.toAccept.rawValue
        guard let state = WorkbenchStore.InboxState(rawValue: raw), let unit = session.principal.unitId else {
            return page(session, status: .badRequest, title: "待办", Self.message("未知的分类。"))
        }
        let now = s.clock.now()
        let rows = try await WorkbenchStore(db: s.db).inbox(unit: unit, state: state, now: now)
        let unitName = try await WorkbenchStore(db: s.db).unitNames([unit])[unit] ?? ""
        let tabs: [(WorkbenchStore.InboxState, String)] = [(.toAccept, "待签收"), (.inProgress, "办理中"), (.returned, "退回申请中"), (.overdue, "已超期")]
        let body = group {
            el("p", ["class": "muted"]) { "\(unitName) · 按到期先后排列" }
            el("nav", ["class": "tabs"]) {
                for (t, label) in tabs { el("a", ["href": "/ui/inbox?state=\(t.rawValue)", "class": t == state ? "on" : nil]) { label } }
            }
            el("section", ["class": "card"]) {
                if rows.isEmpty {
                    el("p", ["class": "muted"]) { "没有工单。" }
                } else {
                    el("table", ["class": "list"]) {
                        el("thead") { el("tr") { el("th") { "工单号" }; el("th") { "标题" }; el("th") { "状态" }; el("th") { "时限" }; el("th") { "剩余时间" } } }
                        el("tbody") {
                            for r in rows {
                                el("tr", ["data-ticket": String(r.ticketId)]) {
                                    el("td") { ticketLink(String(r.ticketId), r.number); r.role == "co" ? " （协办）" : "" }
                                    el("td") { r.title }
                                    el("td") { Self.statusName(r.status) }
                                    el("td") { r.due.map { "\(Self.clockName(r.clock)) \(time($0))" } ?? "—" }
                                    el("td") { timeLeft(r.due, now: now, suspended: r.suspended) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return page(session, title: "待办", body)
    }

    // MARK: the dispatcher's queue

    func queue(_ session: SessionStore.Session) async throws -> Response {
        let sections: [(String, [TicketStatus])] = session.principal.role == .agent
            ? [("待处理（已登记）", [.registered])]
            : [("待派单（已登记）", [.registered]), ("退回申请", [.returnRequested]), ("延期申请", [.extensionRequested]),
               ("中止申请", [.suspensionRequested]), ("答复待审核", [.replied])]
        var lists: [(String, [Ticket])] = []
        for (title, statuses) in sections {
            var f = TicketFilter()
            f.statuses = statuses.map(\.rawValue)
            f.limit = 50
            let (items, _) = try await s.tickets.list(f, for: session.principal)
            lists.append((title, items))
        }
        // The hotline center sees callers; the list shows none (titles only), so nothing to log.
        let body = group {
            for (title, items) in lists {
                el("section", ["class": "card"]) {
                    el("h2") { "\(title) · \(items.count)\(items.count == 50 ? "+" : "")" }
                    if items.isEmpty { el("p", ["class": "muted"]) { "暂无。" } } else {
                        el("table", ["class": "list"]) {
                            el("thead") { el("tr") { el("th") { "工单号" }; el("th") { "热线" }; el("th") { "标题" }; el("th") { "受理时间" } } }
                            el("tbody") {
                                for t in items {
                                    el("tr", ["data-ticket": t.id]) {
                                        el("td") { ticketLink(t.id, t.number) }
                                        el("td") { t.hotlineNumber }
                                        el("td") { t.title }
                                        el("td") { time(t.receivedAt) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return page(session, title: session.principal.role == .agent ? "工单" : "派单台", body)
    }

    // MARK: the callback seat's queue

    func callbacks(_ session: SessionStore.Session, _ ctx: AppContext) async throws -> Response {
        let items = try await s.reports.callbacksDue(limit: 100, after: nil)
        let now = s.clock.now()
        let body = el("section", ["class": "card"]) {
            if items.isEmpty { el("p", ["class": "muted"]) { "没有待回访的工单。" } } else {
                el("table", ["class": "list"]) {
                    el("thead") { el("tr") { el("th") { "工单号" }; el("th") { "标题" }; el("th") { "回访期限" }; el("th") { "已尝试" } } }
                    el("tbody") {
                        for c in items {
                            el("tr", ["data-ticket": c.ticket.id]) {
                                el("td") { ticketLink(c.ticket.id, c.ticket.number) }
                                el("td") { c.ticket.title }
                                el("td") { time(c.callbackDueAt); " "; timeLeft(c.callbackDueAt, now: now) }
                                el("td") { "\(c.attempts) 次" }
                            }
                        }
                    }
                }
            }
        }
        return page(session, title: "回访队列", body)
    }
}
