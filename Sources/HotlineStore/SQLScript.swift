import HotlineCore

/// Splits a migration file into single statements, because the extended query protocol runs one
/// statement at a time. Understands `--` and `/* */` comments, '…' strings (with '' escapes),
/// "…" identifiers and $tag$…$tag$ bodies, so semicolons inside those do not split.
public enum SQLScript {
    public static func statements(_ sql: String) -> [String] {
        var out: [String] = []
        var current = ""
        let chars = Array(sql.unicodeScalars)
        var i = 0
        func flush() {
            let stmt = current.trimmingWhitespace()
            if !stmt.isEmpty { out.append(stmt) }
            current = ""
        }
        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            if c == "-" && next == "-" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "/" && next == "*" {
                var depth = 1
                i += 2
                while i < chars.count && depth > 0 {
                    if chars[i] == "/" && i + 1 < chars.count && chars[i + 1] == "*" { depth += 1; i += 2; continue }
                    if chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/" { depth -= 1; i += 2; continue }
                    i += 1
                }
                current.unicodeScalars.append(" ")
                continue
            }
            if c == "'" || c == "\"" {
                current.unicodeScalars.append(c)
                i += 1
                while i < chars.count {
                    current.unicodeScalars.append(chars[i])
                    if chars[i] == c {
                        if i + 1 < chars.count && chars[i + 1] == c {
                            current.unicodeScalars.append(chars[i + 1]); i += 2; continue
                        }
                        i += 1
                        break
                    }
                    i += 1
                }
                continue
            }
            if c == "$", let tagEnd = dollarTagEnd(chars, from: i) {
                let tag = chars[i...tagEnd]
                current.unicodeScalars.append(contentsOf: tag)
                i = tagEnd + 1
                while i < chars.count {
                    if chars[i] == "$", i + tag.count <= chars.count, chars[i..<(i + tag.count)].elementsEqual(tag) {
                        current.unicodeScalars.append(contentsOf: tag)
                        i += tag.count
                        break
                    }
                    current.unicodeScalars.append(chars[i])
                    i += 1
                }
                continue
            }
            if c == ";" { flush(); i += 1; continue }
            current.unicodeScalars.append(c)
            i += 1
        }
        flush()
        return out
    }

    /// `$$` or `$tag$` starting at `start`: the index of the closing `$` of the tag.
    private static func dollarTagEnd(_ chars: [Unicode.Scalar], from start: Int) -> Int? {
        var j = start + 1
        while j < chars.count {
            let s = chars[j]
            if s == "$" { return j }
            let ok = (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || s == "_" || (j > start + 1 && s >= "0" && s <= "9")
            if !ok { return nil }
            j += 1
        }
        return nil
    }
}

