/// RFC 4180 CSV as exported by Excel and legacy systems: optional UTF-8 BOM, quoted fields with
/// doubled quotes, CRLF or LF line ends, newlines inside quotes. Each record remembers the line
/// number it starts on, so import reports can point at the line a person sees in an editor.
public struct CSVRecord: Sendable, Equatable {
    public var line: Int
    public var fields: [String]
}

public struct CSVError: Error, Sendable, Equatable {
    public var line: Int
    public var message: String
}

public enum CSVReader {
    /// Parses the whole text. Structural errors (an unterminated quote) stop parsing at that
    /// record; everything before it is returned with the error.
    public static func parse(_ text: String) -> (records: [CSVRecord], error: CSVError?) {
        var records: [CSVRecord] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var afterQuote = false
        var sawAny = false
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }

        func endRecord() {
            fields.append(field)
            field = ""
            // A record that is one empty field is a blank line: skip it.
            if !(fields.count == 1 && fields[0].isEmpty) {
                records.append(CSVRecord(line: recordLine, fields: fields))
            }
            fields = []
            sawAny = false
        }

        var it = scalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let s = pending ?? it.next() {
            pending = nil
            if inQuotes {
                if s == "\"" {
                    if let next = it.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; afterQuote = true; pending = next }
                    } else { inQuotes = false; afterQuote = true }
                } else {
                    if s == "\n" { line += 1 }
                    field.unicodeScalars.append(s)
                }
                continue
            }
            switch s {
            case ",":
                fields.append(field); field = ""; afterQuote = false; sawAny = true
            case "\r":
                if let next = it.next(), next != "\n" { pending = next }
                endRecord(); afterQuote = false; line += 1; recordLine = line
            case "\n":
                endRecord(); afterQuote = false; line += 1; recordLine = line
            case "\"" where field.isEmpty && !afterQuote:
                inQuotes = true; sawAny = true
            default:
                if afterQuote {
                    return (records, CSVError(line: recordLine, message: "unexpected character after closing quote"))
                }
                field.unicodeScalars.append(s); sawAny = true
            }
        }
        if inQuotes { return (records, CSVError(line: recordLine, message: "unterminated quoted field")) }
        if sawAny || !field.isEmpty { endRecord() }
        return (records, nil)
    }
}

/// A CSV file with a header row, read as dictionaries keyed by column name.
public struct CSVTable: Sendable {
    public var header: [String]
    public var rows: [CSVRecord]

    public init(text: String, required: [String]) throws(ValidationFailure) {
        let (records, error) = CSVReader.parse(text)
        if let error { throw ValidationFailure("csv", "line \(error.line): \(error.message)") }
        guard let first = records.first else { throw ValidationFailure("csv", "empty file: a header row is required") }
        let names = first.fields.map { $0.trimmingWhitespace() }
        header = names
        let missing = required.filter { !names.contains($0) }
        if !missing.isEmpty {
            throw ValidationFailure("csv", "header is missing column(s): \(missing.joined(separator: ", "))")
        }
        rows = Array(records.dropFirst())
    }

    /// The row as column → value; missing trailing cells read as "".
    public func values(_ row: CSVRecord) -> [String: String] {
        var out: [String: String] = [:]
        for (i, name) in header.enumerated() {
            out[name] = i < row.fields.count ? row.fields[i] : ""
        }
        return out
    }
}
