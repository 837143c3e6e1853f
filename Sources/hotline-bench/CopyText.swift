import Foundation
import HotlineCommandLine
import HotlineCore
import Logging
import NIOCore
import PostgresNIO

/// Rows in PostgreSQL's COPY text format, written straight into a ByteBuffer (no intermediate
/// Strings, no DateFormatter): fields separated by tabs, `\N` for NULL, timestamps in UTC.
struct CopyText {
    var buffer = ByteBuffer()
    var rows = 0
    private var fieldsInRow = 0

    private mutating func separate() {
        if fieldsInRow > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }

    mutating func endRow() {
        buffer.writeInteger(UInt8(ascii: "\n"))
        fieldsInRow = 0
        rows += 1
    }

    mutating func null() {
        separate()
        buffer.writeStaticString("\\N")
    }

    mutating func int(_ v: Int64) {
        separate()
        buffer.writeString(String(v))
    }

    mutating func bool(_ v: Bool?) {
        guard let v else { return null() }
        separate()
        buffer.writeInteger(UInt8(ascii: v ? "t" : "f"))
    }

    /// Text with COPY's escapes for backslash, tab, newline and carriage return.
    mutating func text(_ s: String?) {
        guard let s else { return null() }
        separate()
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(b)
            }
        }
    }

    /// A literal known to need no escaping (codes, JSON made of codes and digits).
    mutating func raw(_ s: StaticString) {
        separate()
        buffer.writeStaticString(s)
    }

    /// `YYYY-MM-DD HH:MM:SS+00`, whole seconds.
    mutating func time(_ d: Date?) {
        guard let d else { return null() }
        separate()
        let secs = Int64(d.timeIntervalSince1970.rounded(.down))
        let days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400)
        let sod = Int(secs - days * 86400)
        let (y, m, day) = Timestamp.civilFromDays(Int(days))
        digits(y, 4); dash(); digits(m, 2); dash(); digits(day, 2)
        buffer.writeInteger(UInt8(ascii: " "))
        digits(sod / 3600, 2); colon(); digits(sod % 3600 / 60, 2); colon(); digits(sod % 60, 2)
        buffer.writeStaticString("+00")
    }

    /// An int4[] literal: `{1,2,3}`.
    mutating func intArray(_ a: [Int32]?) {
        guard let a else { return null() }
        separate()
        buffer.writeInteger(UInt8(ascii: "{"))
        for (i, v) in a.enumerated() {
            if i > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeString(String(v))
        }
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    private mutating func dash() { buffer.writeInteger(UInt8(ascii: "-")) }
    private mutating func colon() { buffer.writeInteger(UInt8(ascii: ":")) }
    private mutating func digits(_ v: Int, _ width: Int) {
        var div = 1
        for _ in 1..<width { div *= 10 }
        var v = v
        while div > 0 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(v / div % 10))
            v %= div
            div /= 10
        }
    }
}

extension PostgresConnection {
    /// COPY `rows` into `table` (`columns` in the rows' order), in 1 MiB writes.
    func copy(_ rows: CopyText, into table: String, columns: [String], logger: Logger) async throws {
        guard rows.rows > 0 else { return }
        try await copyFrom(table: table, columns: columns, logger: logger) { writer in
            var buffer = rows.buffer
            while let slice = buffer.readSlice(length: min(buffer.readableBytes, 1 << 20)), slice.readableBytes > 0 {
                try await writer.write(slice)
            }
        }
    }
}
