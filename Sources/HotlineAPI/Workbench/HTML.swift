import Foundation

/// A typed HTML builder for the workbench's pages: every text and attribute value goes through
/// `escape`, so a ticket's content (or a caller's words) can only ever be text. Chosen over a
/// template engine: no template files to keep in step with the Swift types, and no way to write
/// a value unescaped except `HTMLNode.trusted`, which only this target's own literals reach.
public struct HTMLNode: Sendable {
    fileprivate(set) var html: String

    /// Markup this file's callers wrote as literals (never data).
    static func trusted(_ s: StaticString) -> HTMLNode { HTMLNode(html: s.description) }
    fileprivate init(html: String) { self.html = html }

    public static func text(_ s: String) -> HTMLNode { HTMLNode(html: escape(s)) }
    static let empty = HTMLNode(html: "")

    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}

@resultBuilder
enum HTMLBuilder {
    static func buildBlock(_ parts: [HTMLNode]...) -> [HTMLNode] { parts.flatMap { $0 } }
    static func buildExpression(_ n: HTMLNode) -> [HTMLNode] { [n] }
    static func buildExpression(_ n: [HTMLNode]) -> [HTMLNode] { n }
    static func buildExpression(_ s: String) -> [HTMLNode] { [.text(s)] }
    static func buildOptional(_ n: [HTMLNode]?) -> [HTMLNode] { n ?? [] }
    static func buildEither(first n: [HTMLNode]) -> [HTMLNode] { n }
    static func buildEither(second n: [HTMLNode]) -> [HTMLNode] { n }
    static func buildArray(_ n: [[HTMLNode]]) -> [HTMLNode] { n.flatMap { $0 } }
}

/// Tag and attribute names are literals; attribute values are escaped.
func el(_ tag: StaticString, _ attrs: KeyValuePairs<StaticString, String?> = [:], @HTMLBuilder _ children: () -> [HTMLNode] = { [] }) -> HTMLNode {
    var s = "<\(tag)"
    for (k, v) in attrs {
        guard let v else { continue }
        s += " \(k)=\"\(HTMLNode.escape(v))\""
    }
    s += ">"
    for c in children() { s += c.html }
    s += "</\(tag)>"
    return HTMLNode(html: s)
}

/// A void element (`input`, `meta`, `link`, `br`).
func void(_ tag: StaticString, _ attrs: KeyValuePairs<StaticString, String?> = [:]) -> HTMLNode {
    var s = "<\(tag)"
    for (k, v) in attrs {
        guard let v else { continue }
        s += " \(k)=\"\(HTMLNode.escape(v))\""
    }
    return HTMLNode(html: s + ">")
}

func group(@HTMLBuilder _ children: () -> [HTMLNode]) -> HTMLNode {
    HTMLNode(html: children().map(\.html).joined())
}

extension HTMLNode {
    /// A whole page: `<!doctype html>` and the document.
    static func document(_ root: HTMLNode) -> String { "<!doctype html>\n" + root.html }
}
