/// One problem with one input field, as reported in problem+json `errors`.
public struct FieldError: Sendable, Equatable, Codable, CustomStringConvertible {
    public var field: String
    public var message: String
    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { "\(field): \(message)" }
}

/// Thrown when input is invalid; carries every field error found, not just the first.
public struct ValidationFailure: Error, Sendable, Equatable {
    public var errors: [FieldError]
    public init(_ errors: [FieldError]) { self.errors = errors }
    public init(_ field: String, _ message: String) { self.errors = [FieldError(field, message)] }
}

/// Collects field errors while checking an input, then throws them all at once.
public struct FieldChecker: Sendable {
    public private(set) var errors: [FieldError] = []
    public init() {}

    public mutating func add(_ field: String, _ message: String) {
        errors.append(FieldError(field, message))
    }

    /// A required text: present, not blank, within `maxLength` characters, no control characters.
    public mutating func requiredText(_ field: String, _ value: String?, maxLength: Int, multiline: Bool = false) -> String? {
        guard let value else { add(field, "is required"); return nil }
        return text(field, value, maxLength: maxLength, multiline: multiline, allowEmpty: false)
    }

    /// An optional text; nil and "" both mean absent.
    public mutating func optionalText(_ field: String, _ value: String?, maxLength: Int, multiline: Bool = false) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingWhitespace()
        if trimmed.isEmpty { return nil }
        return text(field, value, maxLength: maxLength, multiline: multiline, allowEmpty: false)
    }

    private mutating func text(_ field: String, _ value: String, maxLength: Int, multiline: Bool, allowEmpty: Bool) -> String? {
        let trimmed = value.trimmingWhitespace()
        if trimmed.isEmpty && !allowEmpty { add(field, "must not be blank"); return nil }
        if trimmed.count > maxLength { add(field, "must be at most \(maxLength) characters (got \(trimmed.count))"); return nil }
        if trimmed.unicodeScalars.contains(where: { Self.isForbiddenControl($0, multiline: multiline) }) {
            add(field, "must not contain control characters"); return nil
        }
        return trimmed
    }

    /// A value from a closed vocabulary; unknown values are refused with the allowed list.
    public mutating func enumValue<E: CaseIterable & RawRepresentable>(_ field: String, _ raw: String?, required: Bool) -> E? where E.RawValue == String {
        guard let raw else {
            if required { add(field, "is required; one of: \(E.allowedList)") }
            return nil
        }
        guard let value = E(rawValue: raw) else {
            add(field, "unknown value '\(raw.prefix(40))'; one of: \(E.allowedList)")
            return nil
        }
        return value
    }

    public func throwIfAny() throws(ValidationFailure) {
        if !errors.isEmpty { throw ValidationFailure(errors) }
    }

    static func isForbiddenControl(_ s: Unicode.Scalar, multiline: Bool) -> Bool {
        if multiline && (s == "\n" || s == "\r" || s == "\t") { return false }
        switch s.value {
        case 0x00...0x1F, 0x7F, 0x80...0x9F: return true
        default: return false
        }
    }
}

extension String {
    /// Trims Unicode whitespace including the ideographic space U+3000 common in Chinese input.
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
extension FieldError: Error {}
