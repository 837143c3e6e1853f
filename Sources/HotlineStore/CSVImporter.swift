import Foundation
import HotlineCore

/// CSV imports (`POST /v1/imports/{kind}` and `hotline import`). Each line stands alone: a bad
/// line is reported with its line number and every field error, good lines land, and importing
/// the same file again changes nothing (creates and updates only what differs).
public struct CSVImporter: Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case hotlines, units, categories, regions, calendar
        case routingRules = "routing-rules"
        case kb
        case kbSynonyms = "kb-synonyms"
        case tickets
    }

    public struct Rejection: Sendable, Codable, Equatable {
        public var line: Int
        public var errors: [FieldError]
    }

    public struct Report: Sendable, Codable, Equatable {
        public var accepted = 0
        public var created = 0
        public var updated = 0
        public var unchanged = 0
        public var rejected: [Rejection] = []
        /// Tickets created per hotline (for metrics; not part of the JSON report).
        public var createdPerHotline: [String: Int] = [:]
        enum CodingKeys: String, CodingKey { case accepted, created, updated, unchanged, rejected }
    }

    public static func requiredColumns(_ kind: Kind) -> [String] {
        switch kind {
        case .hotlines: return ["number", "name", "department", "merge_mode"]
        case .units: return ["code", "name", "level"]
        case .categories, .regions: return ["code", "name"]
        case .calendar: return ["date", "kind"]
        case .kb: return ["code", "title", "answer"]
        case .kbSynonyms: return ["term", "canonical"]
        case .routingRules: return ["category_code", "lead_unit_code"]
        case .tickets: return ["external_id", "hotline_number", "channel", "received_at", "nature", "title", "content"]
        }
    }

    let reference: ReferenceStore
    let tickets: TicketStore
    let knowledge: KnowledgeStore
    let maxRows: Int

    /// All stores on one database.
    public init(db: Database, zone: ServiceClockZone, maxRows: Int = 50_000) {
        self.init(reference: ReferenceStore(db: db), tickets: TicketStore(db: db, zone: zone), knowledge: KnowledgeStore(db: db, zone: zone), maxRows: maxRows)
    }

    public init(reference: ReferenceStore, tickets: TicketStore, knowledge: KnowledgeStore, maxRows: Int = 50_000) {
        self.reference = reference
        self.tickets = tickets
        self.knowledge = knowledge
        self.maxRows = maxRows
    }

    public func run(_ kind: Kind, csv: String, actor: Principal?, now: Date = Date()) async throws -> Report {
        let table = try CSVTable(text: csv, required: Self.requiredColumns(kind))
        if table.rows.count > maxRows {
            throw ValidationFailure("csv", "too many lines: \(table.rows.count) (at most \(maxRows) per file)")
        }
        var report = Report()
        for row in table.rows {
            let v = table.values(row)
            do {
                let outcome = try await importRow(kind, v, actor: actor, now: now)
                report.accepted += 1
                if kind == .tickets, outcome == .created, let h = v["hotline_number"]?.trimmingWhitespace() {
                    report.createdPerHotline[h, default: 0] += 1
                }
                switch outcome {
                case .created: report.created += 1
                case .updated: report.updated += 1
                case .unchanged: report.unchanged += 1
                }
            } catch let e as ValidationFailure {
                report.rejected.append(Rejection(line: row.line, errors: e.errors))
            } catch let e as StoreError {
                switch e {
                case .invalid(let errors): report.rejected.append(Rejection(line: row.line, errors: errors))
                case .conflict(let m), .notFound(let m): report.rejected.append(Rejection(line: row.line, errors: [FieldError("line", m)]))
                }
            }
        }
        return report
    }

    private func importRow(_ kind: Kind, _ v: [String: String], actor: Principal?, now: Date) async throws -> ReferenceStore.UpsertOutcome {
        switch kind {
        case .regions, .categories:
            let entry = try ReferenceValidation.codeEntry(code: v["code"], name: v["name"], parentCode: v["parent_code"])
            return try await reference.upsertCode(kind == .regions ? .regions : .categories, entry, createOnly: false)

        case .hotlines:
            var c = FieldChecker()
            let number = ReferenceValidation.hotlineNumber(&c, v["number"])
            let name = c.requiredText("name", v["name"], maxLength: 200)
            let department = c.optionalText("department", v["department"], maxLength: 200) ?? ""
            let mode: MergeMode? = c.enumValue("merge_mode", v["merge_mode"]?.trimmingWhitespace(), required: true)
            let note = c.optionalText("note", v["note"], maxLength: 1000) ?? ""
            let active = ReferenceValidation.csvBool(&c, "active", v["active"]) ?? true
            var unitId: Int64? = nil
            if let unitCode = ReferenceValidation.code(&c, "default_unit_code", v["default_unit_code"], required: false) {
                unitId = try await reference.unitId(code: unitCode)
                if unitId == nil { c.add("default_unit_code", "unknown unit '\(unitCode)'") }
            }
            try c.throwIfAny()
            let h = Hotline(number: number!, name: name!, department: department, mergeMode: mode!.rawValue,
                            defaultUnitId: unitId.map(String.init), active: active, note: note)
            return try await reference.saveHotline(h, mode: .upsert)

        case .units:
            var c = FieldChecker()
            let code = ReferenceValidation.code(&c, "code", v["code"], required: true)
            let name = c.requiredText("name", v["name"], maxLength: 200)
            let level: UnitLevel? = c.enumValue("level", v["level"]?.trimmingWhitespace(), required: true)
            let region = ReferenceValidation.code(&c, "region_code", v["region_code"], required: false)
            let active = ReferenceValidation.csvBool(&c, "active", v["active"]) ?? true
            var parentId: Int64? = nil
            if let parentCode = ReferenceValidation.code(&c, "parent_code", v["parent_code"], required: false) {
                parentId = try await reference.unitId(code: parentCode)
                if parentId == nil { c.add("parent_code", "unknown unit '\(parentCode)' (parents must come before their children)") }
            }
            try c.throwIfAny()
            let input = ReferenceStore.UnitInput(code: code!, name: name!, parentId: parentId, level: level!, regionCode: region, active: active)
            return try await reference.saveUnit(id: nil, input, upsertByCode: true).1

        case .calendar:
            var c = FieldChecker()
            let day = LocalDay(iso: (v["date"] ?? "").trimmingWhitespace())
            if day == nil { c.add("date", "must be a date like 2026-10-01") }
            let kind: WorkingCalendar.Kind? = c.enumValue("kind", v["kind"]?.trimmingWhitespace(), required: true)
            let note = c.optionalText("note", v["note"], maxLength: 200) ?? ""
            let region = ReferenceValidation.code(&c, "region_code", v["region_code"], required: false)
            try c.throwIfAny()
            return try await CalendarStore(db: reference.db).edit(day!, kind: kind!, note: note, region: region, zone: tickets.zone).0

        case .routingRules:
            // Demo and bulk catalogue loads name units by code. A line identical to the active
            // version is unchanged; a different one becomes the rule's next version.
            var c = FieldChecker()
            let category = ReferenceValidation.code(&c, "category_code", v["category_code"], required: true)
            let region = ReferenceValidation.code(&c, "region_code", v["region_code"], required: false)
            let nature: Nature? = c.enumValue("nature", v["nature"].flatMap { $0.trimmingWhitespace().isEmpty ? nil : $0.trimmingWhitespace() }, required: false)
            let hotline = c.optionalText("hotline_number", v["hotline_number"], maxLength: 8)
            let sla = c.optionalText("sla_policy", v["sla_policy"], maxLength: 40) ?? "standard"
            var lead: Int64? = nil
            if let code = ReferenceValidation.code(&c, "lead_unit_code", v["lead_unit_code"], required: true) {
                lead = try await reference.unitId(code: code)
                if lead == nil { c.add("lead_unit_code", "unknown unit '\(code)'") }
            }
            var co: [Int64] = []
            for code in (v["co_unit_codes"] ?? "").split(separator: " ").map(String.init) where !code.isEmpty {
                if let id = try await reference.unitId(code: code) { co.append(id) } else { c.add("co_unit_codes", "unknown unit '\(code)'") }
            }
            try c.throwIfAny()
            let routing = RoutingStore(db: reference.db)
            let input = RoutingStore.Input(categoryCode: category!, regionCode: region, nature: nature?.rawValue, hotlineNumber: hotline,
                                           leadUnitId: lead!, coUnitIds: co, slaPolicy: sla, active: true)
            if try await routing.activeRuleMatches(input) { return .unchanged }
            let saved = try await routing.save(input, by: actor?.userId)
            return saved.version == 1 ? .created : .updated

        case .kb:
            // kb-sample.csv: code,title,question,answer,category,unit,keywords (space-separated);
            // the unit is named; it is linked when a unit of that name exists.
            var raw = KnowledgeEntry.Raw()
            raw.code = v["code"]; raw.title = v["title"]; raw.question = v["question"]; raw.answer = v["answer"]
            raw.category = v["category"]; raw.responsibleUnitName = v["unit"]
            raw.keywords = (v["keywords"] ?? "").split(whereSeparator: { $0 == " " || $0 == "\u{3000}" }).map(String.init)
            raw.validFrom = v["valid_from"]; raw.validTo = v["valid_to"]
            var input = try KnowledgeEntry.validate(raw)
            if !input.responsibleUnitName.isEmpty {
                input.responsibleUnitId = try await reference.unitId(named: input.responsibleUnitName)
            }
            switch try await knowledge.save(input, by: actor?.userId, upsert: true).1 {
            case .created: return .created
            case .updated: return .updated
            case .unchanged: return .unchanged
            }

        case .kbSynonyms:
            var c = FieldChecker()
            let term = c.requiredText("term", v["term"], maxLength: 40)
            let canonical = c.requiredText("canonical", v["canonical"], maxLength: 40)
            if let term, term == canonical { c.add("canonical", "must differ from term") }
            let source: SynonymTable.Source = c.enumValue("source", v["source"].flatMap { $0.trimmingWhitespace().isEmpty ? nil : $0 }, required: false) ?? .curated
            try c.throwIfAny()
            switch try await knowledge.addSynonym(term: term!, canonical: canonical!, source: source, by: actor?.userId).1 {
            case .created: return .created
            case .updated: return .updated
            case .unchanged: return .unchanged
            }

        case .tickets:
            var c = FieldChecker()
            var raw = TicketIntake.Raw()
            raw.externalId = v["external_id"]
            raw.hotlineNumber = v["hotline_number"]
            raw.channel = v["channel"].map { $0.trimmingWhitespace() }
            raw.receivedAt = v["received_at"].map { $0.trimmingWhitespace() }
            raw.nature = v["nature"].map { $0.trimmingWhitespace() }
            raw.title = v["title"]
            raw.content = v["content"]
            raw.categoryCode = v["category_code"]
            raw.regionCode = v["region_code"]
            raw.slaPolicy = v["sla_policy"]
            raw.caller = .init(name: v["caller_name"], phone: v["caller_phone"], address: v["caller_address"])
            raw.confidential = ReferenceValidation.csvBool(&c, "confidential", v["confidential"])
            raw.anonymous = ReferenceValidation.csvBool(&c, "anonymous", v["anonymous"])
            raw.enterprise = ReferenceValidation.csvBool(&c, "enterprise", v["enterprise"])
            if (v["external_id"] ?? "").trimmingWhitespace().isEmpty { c.add("external_id", "is required: the source system's id makes re-imports safe") }
            if (v["received_at"] ?? "").trimmingWhitespace().isEmpty { c.add("received_at", "is required for imported tickets") }
            var intake: TicketIntake? = nil
            do { intake = try TicketIntake.validate(raw, now: now) } catch { for e in error.errors where !c.errors.contains(e) { c.add(e.field, e.message) } }
            try c.throwIfAny()
            let result = try await tickets.create(intake!, actor: actor, idempotencyKey: nil, source: .import, now: now)
            return result.created ? .created : .unchanged
        }
    }
}
