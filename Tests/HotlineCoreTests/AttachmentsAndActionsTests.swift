import Foundation
import Testing
@testable import HotlineCore

@Suite struct AttachmentsAndActionsTests {
    @Test func signaturesDecideTheType() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
        #expect(AttachmentType.sniff(png) == .png)
        #expect(AttachmentType.sniff([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]) == .jpeg)
        #expect(AttachmentType.sniff(Array("%PDF-1.7\n".utf8)) == .pdf)
        #expect(AttachmentType.sniff(Array("ID3\u{4}\0\0".utf8)) == .mpeg)
        #expect(AttachmentType.sniff([0xFF, 0xFB, 0x90, 0x64]) == .mpeg)
        #expect(AttachmentType.sniff(Array("RIFF\u{24}\0\0\0WAVE".utf8)) == .wav)
        #expect(AttachmentType.sniff(Array("RIFF\u{24}\0\0\0AVI ".utf8)) == nil)   // RIFF, but a video
        #expect(AttachmentType.sniff(Array("<html><script>".utf8)) == nil)
        #expect(AttachmentType.sniff([0x4D, 0x5A, 0x90, 0x00]) == nil)           // a Windows executable
        #expect(!AttachmentType.jpeg.matches(png))
        #expect(AttachmentType(header: "image/png; charset=binary") == .png)
        #expect(AttachmentType(header: "audio/x-wav") == .wav)
        #expect(AttachmentType(header: "text/html") == nil)
    }

    @Test func filenamesKeepTheLastComponentWithoutControlCharacters() {
        #expect(AttachmentName.clean("C:\\Users\\张三\\现场照片.jpg") == "现场照片.jpg")
        #expect(AttachmentName.clean("../../etc/passwd") == "passwd")
        #expect(AttachmentName.clean("a\u{0}b\"c\n.png") == "abc.png")
        #expect(AttachmentName.clean("..") == nil)
        #expect(AttachmentName.clean("  ") == nil)
        #expect(AttachmentName.clean(String(repeating: "长", count: 300))?.count == 200)
    }

    @Test func multipartPartsAreFoundByOffset() throws {
        let body = Array("preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nhl_abc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"现场.png\"\r\nContent-Type: image/png\r\n\r\n".utf8)
            + [0x89, 0x50, 0x0D, 0x0A, 0x2D, 0x2D] + Array("\r\n--XyZ--\r\n".utf8)
        let parts = try body.withUnsafeBytes { try Multipart.parse($0, boundary: "XyZ") }
        #expect(parts.count == 2)
        #expect(parts[0].name == "csrf" && parts[0].filename == nil && String(decoding: body[parts[0].range], as: UTF8.self) == "hl_abc")
        #expect(parts[1].name == "evidence" && parts[1].filename == "现场.png" && parts[1].contentType == "image/png")
        // The file's own CR LF "--" bytes stay in it: only CR LF + the delimiter ends a part.
        #expect(Array(body[parts[1].range]) == [0x89, 0x50, 0x0D, 0x0A, 0x2D, 0x2D])
        #expect(Multipart.boundary(contentType: "multipart/form-data; boundary=\"----abc\"") == "----abc")
        #expect(Multipart.boundary(contentType: "application/x-www-form-urlencoded") == nil)
        let broken = Array("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end".utf8)
        #expect(throws: Multipart.Failure.self) { try broken.withUnsafeBytes { try Multipart.parse($0, boundary: "XyZ") } }
    }

    @Test func theActionsOfferedAreExactlyThoseTheLifecycleAllows() {
        let lead = Lifecycle.Standing(leadIsMine: true)
        #expect(Set(Lifecycle.available(to: .handler, status: .dispatched, standing: lead)) == [.accept, .return])
        #expect(Set(Lifecycle.available(to: .handler, status: .accepted, standing: lead)) == [.return, .extensionRequest, .suspend, .reply])
        #expect(Set(Lifecycle.available(to: .handler, status: .suspended, standing: lead)) == [.resume])
        // Another unit's handler, and a co-unit before and after signing.
        #expect(Lifecycle.available(to: .handler, status: .accepted).isEmpty)
        #expect(Lifecycle.available(to: .handler, status: .accepted, standing: .init(coIsMine: true)) == [.accept])
        #expect(Lifecycle.available(to: .handler, status: .accepted, standing: .init(coIsMine: true, coSigned: true)) == [.coReply])
        #expect(Set(Lifecycle.available(to: .dispatcher, status: .registered)) == [.merge, .dispatch, .terminate])
        #expect(Set(Lifecycle.available(to: .dispatcher, status: .replied)) == [.replyReview, .terminate])
        #expect(Lifecycle.available(to: .callback, status: .awaitingCallback) == [.callback])
        #expect(Lifecycle.available(to: .auditor, status: .accepted).isEmpty)
        #expect(!Lifecycle.available(to: .partner, status: .transferred).contains(.linkedResult))
        // Every verb offered is one the decision accepts from that state and role.
        for status in TicketStatus.allCases {
            for role in Role.allCases {
                for verb in Lifecycle.available(to: role, status: status, standing: lead) {
                    #expect(verb.roles.contains(role))
                    #expect(Lifecycle.allowed(verb, from: status))
                }
            }
        }
    }
}
