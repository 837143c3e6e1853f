import Foundation

/// A knowledge-base entry as one of its versions (知识库条目).
public struct KnowledgeEntry: Sendable, Codable, Equatable {
    public var id: String
    public var code: String
    public var version: Int
    public var currentVersion: Int
    public var title: String
    public var question: String
    public var answer: String
    public var category: String
    public var responsibleUnitId: String?
    public var responsibleUnitName: String
    public var keywords: [String]
    public var validFrom: String?
    public var validTo: String?
    public var ownerUnitId: String?
    public var retired: Bool
    public var answerCount: Int
    public var createdAt: Date

    public init(id: String, code: String, version: Int, currentVersion: Int, title: String, question: String, answer: String,
                category: String, responsibleUnitId: String?, responsibleUnitName: String, keywords: [String], validFrom: String?,
                validTo: String?, ownerUnitId: String?, retired: Bool, answerCount: Int, createdAt: Date) {
        self.id = id; self.code = code; self.version = version; self.currentVersion = currentVersion; self.title = title
        self.question = question; self.answer = answer; self.category = category; self.responsibleUnitId = responsibleUnitId
        self.responsibleUnitName = responsibleUnitName; self.keywords = keywords; self.validFrom = validFrom; self.validTo = validTo
        self.ownerUnitId = ownerUnitId; self.retired = retired; self.answerCount = answerCount; self.createdAt = createdAt
    }

    /// The validated content of a new version.
    public struct Input: Sendable, Equatable {
        public var code: String
        public var title: String
        public var question: String
        public var answer: String
        public var category: String
        public var responsibleUnitId: Int64?
        public var responsibleUnitName: String
        public var keywords: [String]
        public var validFrom: LocalDay?
        public var validTo: LocalDay?
        public var ownerUnitId: Int64?

        public init(code: String, title: String, question: String, answer: String, category: String, responsibleUnitId: Int64?,
                    responsibleUnitName: String, keywords: [String], validFrom: LocalDay?, validTo: LocalDay?, ownerUnitId: Int64?) {
            self.code = code; self.title = title; self.question = question; self.answer = answer; self.category = category
            self.responsibleUnitId = responsibleUnitId; self.responsibleUnitName = responsibleUnitName; self.keywords = keywords
            self.validFrom = validFrom; self.validTo = validTo; self.ownerUnitId = ownerUnitId
        }
    }

    public struct Raw: Sendable, Codable {
        public var code: String?
        public var title: String?
        public var question: String?
        public var answer: String?
        public var category: String?
        public var responsibleUnitId: String?
        public var responsibleUnitName: String?
        public var keywords: [String]?
        public var validFrom: String?
        public var validTo: String?
        public var ownerUnitId: String?
        public init() {}
    }

    public static func validate(_ r: Raw, codeFromPath: String? = nil) throws(ValidationFailure) -> Input {
        var c = FieldChecker()
        let code = codeFromPath ?? ReferenceValidation.code(&c, "code", r.code, required: true)
        let title = c.requiredText("title", r.title, maxLength: 200)
        let question = c.optionalText("question", r.question, maxLength: 2000, multiline: true) ?? ""
        let answer = c.requiredText("answer", r.answer, maxLength: 10_000, multiline: true)
        let category = c.optionalText("category", r.category, maxLength: 100) ?? ""
        let unitName = c.optionalText("responsible_unit_name", r.responsibleUnitName, maxLength: 200) ?? ""
        var keywords: [String] = []
        for (i, k) in (r.keywords ?? []).enumerated() {
            if let v = c.optionalText("keywords[\(i)]", k, maxLength: 40) { keywords.append(v) }
        }
        if keywords.count > 50 { c.add("keywords", "at most 50 keywords") }
        func id(_ field: String, _ raw: String?) -> Int64? {
            guard let raw else { return nil }
            guard let v = Int64(raw), v > 0 else { c.add(field, "must be a unit id"); return nil }
            return v
        }
        func day(_ field: String, _ raw: String?) -> LocalDay? {
            guard let raw, !raw.isEmpty else { return nil }
            guard let d = LocalDay(iso: raw) else { c.add(field, "must be a date like 2026-12-31"); return nil }
            return d
        }
        let from = day("valid_from", r.validFrom), to = day("valid_to", r.validTo)
        if let from, let to, to < from { c.add("valid_to", "must not be before valid_from") }
        let unit = id("responsible_unit_id", r.responsibleUnitId)
        let owner = id("owner_unit_id", r.ownerUnitId)
        try c.throwIfAny()
        return Input(code: code!, title: title!, question: question, answer: answer!, category: category, responsibleUnitId: unit,
                     responsibleUnitName: unitName, keywords: keywords, validFrom: from, validTo: to, ownerUnitId: owner)
    }
}
