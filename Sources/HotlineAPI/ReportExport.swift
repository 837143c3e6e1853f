import Foundation
import HotlineCore
import HotlineStore
import ZIPFoundation

/// The monthly assessment (月度考核通报) as leaders receive it: JSON, CSV (UTF-8 with BOM) or
/// XLSX (one sheet per level, Chinese headers, rates formatted as percentages).
public struct MonthlyReport: Sendable, Encodable {
    public var title: String
    public var month: String
    public var period: Period
    public var cohortRule: String
    public var generatedAt: Date
    public var settings: AssessmentSettings
    public var levels: [String]
    public var items: [UnitAssessment]

    public struct Period: Sendable, Encodable {
        public var from: Date
        public var to: Date
    }

    public static let cohortRule = "考核对象为本月（Asia/Shanghai）派出的主办工单（按派单时间归属月份），协办工单单列协办件与协办意见按时率；已批准的退单不计入派单量，单独统计退单率；终结件不计入任何基数；重办件的签收、办结按首轮认定，首轮答复及是否按时保持不变；回访以该工单最后一次有效回访为准（重办期间，引起重办的不满意回访计入，直至新一轮答复的回访取代），判定为不合理诉求的回访及无法联系而办结的工单不计入解决率和满意率基数；某项比率无数据时按设置 missing_rate 处理（renormalize：其余权重按比例放大；zero：按零计），得分依据列出所用比率与权重。下级单位的工单计入其所属的本层级单位。"

    /// Builds the report for one level, or for every level when `level` is nil.
    public static func build(store: ReportStore, month: ReportStore.Month, level: UnitLevel?, now: Date) async throws -> MonthlyReport {
        let settings = try await store.settings()
        let levels = level.map { [$0] } ?? UnitLevel.allCases
        // One pass over the month in SQL, then sums up the unit tree for each level.
        let counts = try await store.countsByUnit(month: month, now: now)
        let tree = try await store.unitTree()
        var paths: [Int64: [Int64]] = [:], levelOf: [Int64: String] = [:], unitOf: [Int64: OrgUnit] = [:]
        for (unit, path) in tree {
            guard let id = Int64(unit.id) else { continue }
            paths[id] = path; levelOf[id] = unit.level; unitOf[id] = unit
        }
        var items: [UnitAssessment] = []
        for l in levels {
            let rows = UnitCounts.rollUp(counts, paths: paths, levels: levelOf, to: l.rawValue).compactMap { id, c -> UnitAssessment? in
                guard let unit = unitOf[id] else { return nil }
                return UnitAssessment(unitId: unit.id, unitCode: unit.code, unitName: unit.name, level: unit.level, counts: c, settings: settings)
            }
            items += UnitAssessment.ranked(rows)
        }
        let zone = store.zone
        return MonthlyReport(
            title: "\(month.year)年\(month.month)月12345热线承办单位考核通报", month: month.text,
            period: Period(from: zone.startOfDay(month.first), to: zone.startOfDay(month.next)),
            cohortRule: cohortRule, generatedAt: now, settings: settings, levels: levels.map(\.rawValue), items: items)
    }

    // MARK: tabular form

    static let levelNames: [String: String] = ["city": "市级", "district": "区县", "department": "部门", "street": "街道乡镇", "office": "基层站所"]

    enum Cell {
        case text(String)
        case int(Int)
        case percent(Double?)
        case number(Double?)
    }

    static let headers = ["排名", "单位编码", "单位名称", "层级", "派单量", "按时签收", "响应率", "应办结", "按时办结", "按时办结率",
                          "有效回访", "已解决", "解决率", "满意", "基本满意", "不满意", "满意率", "退单", "退单率", "重办", "重办率",
                          "逾期件", "延期件", "综合得分", "得分依据", "协办件", "协办按时率"]

    static func cells(_ r: UnitAssessment) -> [Cell] {
        let c = r.counts
        return [r.rank.map { .int($0) } ?? .text("—"), .text(r.unitCode), .text(r.unitName), .text(levelNames[r.level] ?? r.level),
                .int(r.received), .int(c.respondedInTime), .percent(r.responseRate), .int(c.due), .int(c.closedInTime),
                .percent(r.onTimeCloseRate), .int(c.reached), .int(c.resolved), .percent(r.resolutionRate), .int(c.satisfied),
                .int(c.basicallySatisfied), .int(c.unsatisfied), .percent(r.satisfactionRate), .int(c.returned), .percent(r.returnRate),
                .int(c.reopened), .percent(r.reopenRate), .int(c.overdue), .int(c.extended), .number(r.score),
                .text(basisText(r.scoreBasis)), .int(r.coReceived), .percent(r.coReplyOnTimeRate)]
    }

    static let rateNames = ["response_rate": "响应率", "resolution_rate": "解决率", "satisfaction_rate": "满意率"]

    /// "响应率60.00%×0.30+解决率75.00%×0.35+满意率100.00%×0.35": the score's formula, checkable by hand.
    static func basisText(_ terms: [UnitAssessment.ScoreTerm]) -> String {
        terms.map { "\(rateNames[$0.rate] ?? $0.rate)\(String(format: "%.2f%%", $0.value * 100))×\(String(format: "%.4g", $0.weight))" }
            .joined(separator: "+")
    }

    var headerLines: [String] {
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        let s = settings
        return [title,
                "统计周期：\(Timestamp.format(period.from, in: zone)) 至 \(Timestamp.format(period.to, in: zone))（不含）",
                "统计口径：\(Self.cohortRule)",
                String(format: "综合得分 = 100 ×（%.2f×响应率 + %.2f×解决率 + %.2f×满意率），满意率 =（满意 + %.2f×基本满意）÷ 有效回访；%@",
                       s.responseWeight, s.resolutionWeight, s.satisfactionWeight, s.basicallySatisfiedWeight,
                       s.missingRate == .zero ? "无数据的指标按零计。" : "无数据的指标不参与加权（其余权重按比例放大）。"),
                "生成时间：\(Timestamp.format(generatedAt, in: zone))"]
    }

    // MARK: CSV

    /// UTF-8 with BOM so Excel opens the Chinese text correctly; rates as percentages.
    public func csv() -> Data {
        var out = "\u{FEFF}"
        func line(_ fields: [String]) { out += fields.map(Self.csvField).joined(separator: ",") + "\r\n" }
        for h in headerLines { line([h]) }
        line([])
        line(Self.headers)
        for r in items {
            line(Self.cells(r).map {
                switch $0 {
                case .text(let s): return s
                case .int(let n): return String(n)
                case .percent(let p): return p.map { String(format: "%.2f%%", $0 * 100) } ?? ""
                case .number(let d): return d.map { String(format: "%.2f", $0) } ?? ""
                }
            })
        }
        return Data(out.utf8)
    }

    static func csvField(_ s: String) -> String {
        // Quote what needs it; neutralise leading formula characters (CSV injection).
        var v = s
        if let first = v.first, "=+-@".contains(first), Double(v) == nil { v = "'" + v }
        if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }

    // MARK: XLSX

    /// A real workbook: one sheet per level, the header lines on top, percentages as numbers
    /// with a percentage format.
    public func xlsx() throws -> Data {
        let levelsPresent = levels.filter { l in items.contains { $0.level == l } || levels.count == 1 }
        let sheets = (levelsPresent.isEmpty ? [levels.first ?? "district"] : levelsPresent)
        let archive = try Archive(data: Data(), accessMode: .create)
        func add(_ path: String, _ xml: String) throws {
            let data = Data(xml.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: generatedAt,
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        let head = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        try add("[Content_Types].xml", head + """
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
            \(sheets.indices.map { "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" }.joined())\
            </Types>
            """)
        try add("_rels/.rels", head + """
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """)
        try add("xl/workbook.xml", head + """
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <sheets>\(sheets.enumerated().map { "<sheet name=\"\(Self.xml(Self.levelNames[$1] ?? $1))\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>" }.joined())</sheets>\
            </workbook>
            """)
        try add("xl/_rels/workbook.xml.rels", head + """
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            \(sheets.indices.map { "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>" }.joined())\
            <Relationship Id="rId\(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
            </Relationships>
            """)
        // Styles: 0 default, 1 bold (titles, headers), 2 percentage 0.00%, 3 number 0.00.
        try add("xl/styles.xml", head + """
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
            <fonts count="2"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font></fonts>\
            <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
            <borders count="1"><border/></borders>\
            <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
            <cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
            <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
            <xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
            <xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
            <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf></cellXfs>\
            </styleSheet>
            """)
        for (i, level) in sheets.enumerated() {
            try add("xl/worksheets/sheet\(i + 1).xml", sheetXML(items.filter { $0.level == level }))
        }
        guard let data = archive.data else { throw APIError(.internalServerError, "Internal error", "workbook not written") }
        return data
    }

    func sheetXML(_ rows: [UnitAssessment]) -> String {
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        x += "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        // Printed (and converted to PDF) landscape, all columns on one page width.
        x += "<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>"
        x += "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"7\" topLeftCell=\"A8\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>"
        x += "<cols><col min=\"1\" max=\"1\" width=\"5\" customWidth=\"1\"/><col min=\"2\" max=\"2\" width=\"9\" customWidth=\"1\"/>"
        x += "<col min=\"3\" max=\"3\" width=\"24\" customWidth=\"1\"/><col min=\"4\" max=\"24\" width=\"8.5\" customWidth=\"1\"/>"
        x += "<col min=\"25\" max=\"25\" width=\"44\" customWidth=\"1\"/><col min=\"26\" max=\"27\" width=\"8.5\" customWidth=\"1\"/></cols><sheetData>"
        var r = 0
        func row(_ cells: [String], height: Int? = nil) {
            r += 1
            x += "<row r=\"\(r)\"" + (height.map { " ht=\"\($0)\" customHeight=\"1\"" } ?? "") + ">" + cells.joined() + "</row>"
        }
        func col(_ i: Int) -> String {
            var n = i + 1, s = ""
            while n > 0 { let m = (n - 1) % 26; s = String(UnicodeScalar(65 + m)!) + s; n = (n - 1) / 26 }
            return s
        }
        func text(_ c: Int, _ v: String, style: Int = 0) -> String {
            "<c r=\"\(col(c))\(r + 1)\" t=\"inlineStr\"\(style > 0 ? " s=\"\(style)\"" : "")><is><t>\(Self.xml(v))</t></is></c>"
        }
        func num(_ c: Int, _ v: Double?, style: Int) -> String {
            guard let v else { return "" }
            return "<c r=\"\(col(c))\(r + 1)\"\(style > 0 ? " s=\"\(style)\"" : "")><v>\(v)</v></c>"
        }
        // Header lines span the table's width (merged) and wrap, so they do not widen the page.
        let lastColumn = col(Self.headers.count - 1)
        for (i, h) in headerLines.enumerated() {
            row([text(0, h, style: i == 0 ? 1 : 4)], height: h.count > 120 ? 45 : nil)
        }
        row([])
        row(Self.headers.enumerated().map { text($0, $1, style: 1) })
        for a in rows {
            row(Self.cells(a).enumerated().map { i, cell in
                switch cell {
                case .text(let s): return text(i, s)
                case .int(let n): return num(i, Double(n), style: 0)
                case .percent(let p): return num(i, p, style: 2)
                case .number(let d): return num(i, d, style: 3)
                }
            })
        }
        x += "</sheetData>"
        x += "<mergeCells count=\"\(headerLines.count)\">"
            + (1...headerLines.count).map { "<mergeCell ref=\"A\($0):\(lastColumn)\($0)\"/>" }.joined() + "</mergeCells>"
        x += "<pageMargins left=\"0.4\" right=\"0.4\" top=\"0.5\" bottom=\"0.5\" header=\"0.3\" footer=\"0.3\"/>"
        x += "<pageSetup paperSize=\"9\" orientation=\"landscape\" fitToWidth=\"1\" fitToHeight=\"0\"/>"
        x += "</worksheet>"
        return x
    }

    static func xml(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                // XML 1.0 forbids most control characters.
                if ch.value < 0x20 && ch != "\t" && ch != "\n" && ch != "\r" { continue }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
