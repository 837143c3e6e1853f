import Foundation

/// The file types an attachment may have (API.md "Attachments") and the signature each one's own
/// bytes begin with: a declared `Content-Type` is believed only when the bytes agree.
public enum AttachmentType: String, Sendable, CaseIterable, Codable {
    case jpeg = "image/jpeg"
    case png = "image/png"
    case pdf = "application/pdf"
    case mpeg = "audio/mpeg"
    case wav = "audio/wav"

    public static let allowedList = allCases.map(\.rawValue).joined(separator: ", ")

    /// Bytes needed to tell (WAV's "WAVE" ends at byte 12).
    public static let signatureLength = 12

    /// Whether a file starting with `head` is of this type.
    public func matches(_ head: [UInt8]) -> Bool {
        func starts(_ s: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + s.count && Array(head[offset..<offset + s.count]) == s
        }
        switch self {
        case .jpeg: return starts([0xFF, 0xD8, 0xFF])
        case .png: return starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        case .pdf: return starts(Array("%PDF-".utf8))
        // An ID3v2 tag, or an MPEG audio frame header (11 sync bits, a layer that is not "reserved").
        case .mpeg: return starts(Array("ID3".utf8)) || (head.count >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 && head[1] & 0x06 != 0)
        case .wav: return starts(Array("RIFF".utf8)) && starts(Array("WAVE".utf8), at: 8)
        }
    }

    /// The type the bytes themselves say, if any of ours.
    public static func sniff(_ head: [UInt8]) -> AttachmentType? { allCases.first { $0.matches(head) } }

    /// `image/jpeg; charset=…` → .jpeg; `audio/x-wav`, `audio/wave` and `audio/mp3` are taken as their usual names.
    public init?(header: String) {
        let base = header.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch base {
        case "audio/x-wav", "audio/wave", "audio/vnd.wave": self = .wav
        case "audio/mp3": self = .mpeg
        case "image/jpg": self = .jpeg
        default: self.init(rawValue: base)
        }
    }
}

public enum AttachmentKind: String, Sendable, CaseIterable, Codable {
    case evidence, caller, other
    public static let allowedList = allCases.map(\.rawValue).joined(separator: ", ")
}

/// A filename as given (`?filename=`, a form's file part): the last path component, no control
/// characters, at most 200 characters; nil when nothing usable is left.
public enum AttachmentName {
    public static func clean(_ raw: String) -> String? {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let kept = String(last.unicodeScalars.filter { !($0.properties.generalCategory == .control || $0 == "\"") }.map(Character.init))
            .trimmingCharacters(in: .whitespaces)
        guard !kept.isEmpty, kept != ".", kept != ".." else { return nil }
        return String(kept.prefix(200))
    }
}
