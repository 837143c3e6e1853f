import Foundation
import HotlineCore
import HotlineStore
import Hummingbird
import NIOConcurrencyHelpers

/// The supervisor's board and the monthly report page, with charts drawn by the server as SVG.
extension Workbench {
    // MARK: charts

    /// Horizontal bars, one row per item, the value written at the bar's end.
    static func barChart(_ items: [(String, Double)], format: (Double) -> String, label: String) -> HTMLNode {
        let rowHeight = 22, labelWidth = 150, width = 560
        let height = max(1, items.count) * rowHeight + 8
        let top = max(items.map(\.1).max() ?? 0, 0.000_001)
        return el("svg", ["class": "chart", "viewBox": "0 0 \(width) \(height)", "role": "img", "aria-label": label,
                          "xmlns": "http://www.w3.org/2000/svg"]) {
            for (i, (name, value)) in items.enumerated() {
                let y = i * rowHeight + 4
                let w = Int(Double(width - labelWidth - 60) * max(0, value) / top)
                el("text", ["x": "0", "y": String(y + 15)]) { String(name.prefix(12)) }
                el("rect", ["x": String(labelWidth), "y": String(y + 3), "width": String(max(w, 1)), "height": String(rowHeight - 6), "fill": "#0b5cad"])
                el("text", ["x": String(labelWidth + w + 6), "y": String(y + 15)]) { format(value) }
            }
        }
    }

    /// Vertical bars: intake in each hour of the day.
    static func hourChart(_ byHour: [Int]) -> HTMLNode {
        let width = 560, height = 160, base = 130, barWidth = 18
        let top = max(byHour.max() ?? 0, 1)
        return el("svg", ["class": "chart", "viewBox": "0 0 \(width) \(height)", "role": "img", "aria-label": "今日各小时受理量",
                          "xmlns": "http://www.w3.org/2000/svg"]) {
            for (h, n) in byHour.enumerated() {
                let x = 10 + h * (barWidth + 5)
                let barHeight = n == 0 ? 0 : max(2, Int(Double(base - 20) * Double(n) / Double(top)))
                el("rect", ["x": String(x), "y": String(base - barHeight), "width": String(barWidth), "height": String(barHeight), "fill": "#0b5cad"])
                if n > 0 { el("text", ["x": String(x), "y": String(base - barHeight - 3)]) { String(n) } }
                if h % 3 == 0 { el("text", ["x": String(x), "y": String(base + 16)]) { "\(h)时" } }
            }
            void("line", ["x1": "5", "y1": String(base), "x2": String(width - 5), "y2": String(base), "stroke": "#9fb3c8"])
        }
    }

    static func percent(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
    static func score(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "—" }

    // MARK: the board

    func board(_ req: Request, _ session: SessionStore.Session) async throws -> Response {
        let now = s.clock.now()
        let today = zone.localDay(of: now)
        // This month's ranking unless another is asked for (`?month=2026-11`, last month's at the start of a month).
        let month = req.uri.queryParameters.get("month").flatMap { ReportStore.Month(String($0)) } ?? ReportStore.Month(year: today.year, month: today.month)
        let from = zone.startOfDay(today), to = zone.startOfDay(today.adding(days: 1))
        let store = WorkbenchStore(db: s.db), zoneName = zone.timeZone.identifier
        // The live figures (indexed queries, ~30–70 ms of database time on a busy day at national
        // scale) are shared by the boards opened within the same 10 seconds of the service clock
        // while this process has changed no ticket (`Database.writes`; another instance's changes
        // show within 10 s);
        // the page says when they were made.
        let window = "\(Int64(now.timeIntervalSince1970) / Self.liveFiguresSeconds)/\(s.db.writes.current)"
        async let figures = liveFigures.value(for: window) {
            async let overdue = store.overdueByUnit(now: now)
            async let rungs = store.escalationsIssued(from: from, to: to)
            async let intake = store.intake(from: from, to: to, zone: zoneName)
            let (late, issued, received) = try await (overdue, rungs, intake)
            return LiveFigures(late: late, issued: issued, received: received, at: now)
        }
        let level = UnitLevel.street
        // The ranking is one pass over the month's assignments (~15 s at national scale): built in
        // the background at most once a minute per process, shown with the time it was made; the
        // board never waits for it longer than `Rankings.wait`.
        let reports = s.reports
        async let report = rankings.value(for: "\(month.text)/\(level.rawValue)") {
            try await MonthlyReport.build(store: reports, month: month, level: level, now: Date())
        }
        let (live, ranking) = try await (figures, report)
        guard let live else { throw HTTPError(.serviceUnavailable) }
        let (late, issued, received) = (live.late, live.issued, live.received)
        let ranked = ranking?.items.filter { $0.received > 0 } ?? []
        let body = group {
            el("div", ["class": "grid2"]) {
                el("section", ["class": "card", "id": "overdue"]) {
                    el("h2") { "超期工单（按单位）· \(late.reduce(0) { $0 + $1.count })" }
                    if late.isEmpty { el("p", ["class": "muted"]) { "没有超期工单。" } } else {
                        el("table") {
                            el("thead") { el("tr") { el("th") { "单位" }; el("th") { "超期件" } } }
                            el("tbody") { for u in late { el("tr", ["data-unit": String(u.unitId)]) { el("td") { u.unitName }; el("td", ["class": "late"]) { String(u.count) } } } }
                        }
                    }
                }
                el("section", ["class": "card", "id": "escalations"]) {
                    el("h2") { "今日督办（按级别）" }
                    el("table") {
                        el("tbody") {
                            for (code, name) in Self.levels {
                                el("tr", ["data-level": code]) { el("td") { name }; el("td") { String(issued[EscalationLevel(rawValue: code)!] ?? 0) } }
                            }
                        }
                    }
                }
            }
            el("section", ["class": "card", "id": "intake"]) {
                el("h2") { "今日受理 · \(received.byHour.reduce(0, +)) 件" }
                Self.hourChart(received.byHour)
                el("table") {
                    el("thead") { el("tr") { el("th") { "热线" }; el("th") { "受理量" } } }
                    el("tbody") { for l in received.byHotline { el("tr", ["data-hotline": l.number]) { el("td") { "\(l.number) \(l.name)" }; el("td") { String(l.count) } } } }
                }
            }
            el("section", ["class": "card", "id": "ranking"]) {
                el("h2") { "\(month.year)年\(month.month)月考核排名（街道乡镇）" }
                if let ranking {
                    if ranked.isEmpty { el("p", ["class": "muted"]) { "本月尚无派单。" } } else {
                        Self.barChart(ranked.prefix(15).map { ($0.unitName, $0.score ?? 0) }, format: { String(format: "%.1f", $0) }, label: "本月综合得分")
                        rankingTable(ranked)
                    }
                    el("p", ["class": "muted"]) { "排名数据生成于 \(time(ranking.generatedAt))，每分钟更新。" }
                } else {
                    el("p", ["class": "muted", "id": "ranking-pending"]) { "排名正在生成（全月数据），请稍后刷新本页。" }
                }
                el("p") { el("a", ["href": "/ui/reports/monthly?month=\(month.text)"]) { "查看完整月度通报" } }
            }
            el("p", ["class": "muted", "id": "figures-at"]) { "超期、督办与受理数据截至 \(time(live.at))，每 \(Self.liveFiguresSeconds) 秒更新。" }
        }
        return page(session, title: "督办看板", body)
    }

    func rankingTable(_ items: [UnitAssessment]) -> HTMLNode {
        el("table", ["class": "list ranking"]) {
            el("thead") { el("tr") {
                el("th") { "排名" }; el("th") { "单位" }; el("th") { "派单量" }; el("th") { "响应率" }; el("th") { "按时办结率" }
                el("th") { "满意率" }; el("th") { "综合得分" }
            } }
            el("tbody") {
                for r in items {
                    el("tr", ["data-unit": r.unitId]) {
                        el("td") { r.rank.map(String.init) ?? "—" }; el("td") { r.unitName }; el("td", ["class": "received"]) { String(r.received) }
                        el("td") { Self.percent(r.responseRate) }; el("td") { Self.percent(r.onTimeCloseRate) }
                        el("td") { Self.percent(r.satisfactionRate) }; el("td", ["class": "score"]) { Self.score(r.score) }
                    }
                }
            }
        }
    }

    // MARK: the monthly report page

    /// Monthly rankings for the board (a month's pass takes ~15 s at national scale; the board is
    /// opened far more often): one `Refreshed` value per month and level.
    typealias Rankings = Refreshed<MonthlyReport>

    /// The board's figures of the moment: overdue work by unit, today's rungs and today's intake.
    struct LiveFigures: Sendable {
        var late: [WorkbenchStore.UnitCount]
        var issued: [EscalationLevel: Int]
        var received: WorkbenchStore.Intake
        var at: Date
    }
    static let liveFiguresSeconds: Int64 = 10

    func monthAndLevel(_ req: Request) -> (ReportStore.Month, UnitLevel?)? {
        let q = req.uri.queryParameters
        let today = zone.localDay(of: s.clock.now())
        let given = q.get("month").flatMap { $0.isEmpty ? nil : $0 }
        guard let month = given.map({ ReportStore.Month($0) }) ?? ReportStore.Month(year: today.year, month: today.month) else { return nil }
        guard let raw = q.get("level"), !raw.isEmpty else { return (month, nil) }
        guard let level = UnitLevel(rawValue: raw) else { return nil }
        return (month, level)
    }

    func monthlyPage(_ req: Request, _ session: SessionStore.Session) async throws -> Response {
        guard let (month, level) = monthAndLevel(req) else {
            return page(session, status: .badRequest, title: "月度通报", Self.message("月份应形如 2026-11，层级为 city、district、department、street、office 之一。"))
        }
        let report = try await MonthlyReport.build(store: s.reports, month: month, level: level, now: s.clock.now())
        let query = "month=\(month.text)" + (level.map { "&level=\($0.rawValue)" } ?? "")
        let body = group {
            el("form", ["method": "get", "action": "/ui/reports/monthly", "class": "card"]) {
                el("label") { "月份"; void("input", ["type": "month", "name": "month", "value": month.text]) }
                el("label") { "层级"; el("select", ["name": "level"]) {
                    el("option", ["value": ""]) { "全部层级" }
                    for l in UnitLevel.allCases { el("option", ["value": l.rawValue, "selected": l == level ? "" : nil]) { MonthlyReport.levelNames[l.rawValue] ?? l.rawValue } }
                } }
                el("button", ["type": "submit"]) { "查看" }
            }
            el("p") {
                el("a", ["href": "/ui/reports/monthly/download?\(query)&format=csv"]) { "下载 CSV" }; " · "
                el("a", ["href": "/ui/reports/monthly/download?\(query)&format=xlsx"]) { "下载 XLSX" }
            }
            for l in report.levels {
                let rows = report.items.filter { $0.level == l }
                el("section", ["class": "card"]) {
                    el("h2") { MonthlyReport.levelNames[l] ?? l }
                    let scored = rows.filter { $0.received > 0 }
                    if scored.isEmpty { el("p", ["class": "muted"]) { "本月无派单。" } } else {
                        Self.barChart(scored.prefix(20).map { ($0.unitName, $0.score ?? 0) }, format: { String(format: "%.1f", $0) }, label: "综合得分")
                    }
                    rankingTable(rows)
                }
            }
            el("p", ["class": "muted"]) { MonthlyReport.cohortRule }
        }
        return page(session, title: report.title, body)
    }

    func monthlyDownload(_ req: Request) async throws -> Response {
        guard let (month, level) = monthAndLevel(req) else { throw APIError.badRequest("month", "is required, like 2026-10") }
        let format = req.uri.queryParameters.get("format") ?? "csv"
        let report = try await MonthlyReport.build(store: s.reports, month: month, level: level, now: s.clock.now())
        let name = "assessment-\(month.text)\(level.map { "-\($0.rawValue)" } ?? "")"
        switch format {
        case "xlsx": return ReportRoutes.file(try report.xlsx(), type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name: name + ".xlsx")
        case "csv": return ReportRoutes.file(report.csv(), type: "text/csv; charset=utf-8", name: name + ".csv")
        default: throw APIError.badRequest("format", "one of: csv, xlsx")
        }
    }
}
