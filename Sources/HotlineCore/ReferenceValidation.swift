/// Checks for reference data, shared by the JSON endpoints and CSV imports.
public enum ReferenceValidation {
    /// Codes of regions, categories and units: 1–64 characters, no spaces or control characters
    /// (Chinese path-like codes such as `市政设施/路灯` are allowed).
    public static func code(_ c: inout FieldChecker, _ field: String, _ raw: String?, required: Bool) -> String? {
        let value = required ? c.requiredText(field, raw, maxLength: 64) : c.optionalText(field, raw, maxLength: 64)
        if let value, value.contains(where: { $0.isWhitespace }) {
            c.add(field, "must not contain spaces"); return nil
        }
        return value
    }

    public static func hotlineNumber(_ c: inout FieldChecker, _ raw: String?) -> String? {
        guard let v = c.requiredText("number", raw, maxLength: 8) else { return nil }
        guard v.count >= 3, v.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            c.add("number", "must be 3 to 8 digits, e.g. 12315"); return nil
        }
        return v
    }

    /// Region or category.
    public static func codeEntry(code: String?, name: String?, parentCode: String?) throws(ValidationFailure) -> Region {
        var c = FieldChecker()
        let code = Self.code(&c, "code", code, required: true)
        let name = c.requiredText("name", name, maxLength: 200)
        let parent = Self.code(&c, "parent_code", parentCode, required: false)
        if let code, parent == code { c.add("parent_code", "must differ from code") }
        try c.throwIfAny()
        return Region(code: code!, name: name!, parentCode: parent)
    }

    /// Booleans in CSV files as people write them.
    public static func csvBool(_ c: inout FieldChecker, _ field: String, _ raw: String?) -> Bool? {
        guard let raw else { return nil }
        switch raw.trimmingWhitespace().lowercased() {
        case "": return nil
        case "true", "1", "yes", "y", "是", "t": return true
        case "false", "0", "no", "n", "否", "f": return false
        default: c.add(field, "must be true or false"); return nil
        }
    }
}

/// Masks personal data for people who must not see it in full (units' handlers).
public enum PersonalData {
    /// `13800138000` → `138****8000`; short numbers keep only their last two digits.
    public static func maskPhone(_ phone: String) -> String {
        let chars = Array(phone)
        if chars.count >= 11 {
            return String(chars.prefix(3)) + "****" + String(chars.suffix(4))
        }
        if chars.count > 4 {
            return String(repeating: "*", count: chars.count - 2) + String(chars.suffix(2))
        }
        return String(repeating: "*", count: chars.count)
    }

    /// `张三` → `张*`, `欧阳娜娜` → `欧***`: the family name only.
    public static func maskName(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + String(repeating: "*", count: max(1, name.count - 1))
    }

    /// The caller as a unit may see it: masked name and phone, no address;
    /// nothing at all for a confidential ticket.
    public static func forUnit(_ caller: Caller?, confidential: Bool) -> Caller? {
        guard let caller, !confidential else { return nil }
        return Caller(name: caller.name.map(maskName), phone: caller.phone.map(maskPhone), address: nil)
    }
}
