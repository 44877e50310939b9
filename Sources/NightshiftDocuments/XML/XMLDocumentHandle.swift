import CLibXML2
import NightshiftCore

/// A libxml2 document tree (parsed as XML or as HTML) that frees the tree when the handle is released.
///
/// Not `Sendable`: a libxml2 tree is plain mutable C memory. Parse, read and drop a handle within one task;
/// nodes (`XMLNode`) keep their handle alive, so they stay valid as long as they are used.
public final class XMLDocumentHandle {
    /// The owned `xmlDocPtr`; freed in `deinit`.
    let pointer: xmlDocPtr

    init(owning pointer: xmlDocPtr) {
        self.pointer = pointer
    }

    deinit {
        xmlFreeDoc(pointer)
    }

    /// The root element (`<html>`, `<book>`, …), or nil for a document without one.
    public var rootElement: XMLNode? {
        guard let root = xmlDocGetRootElement(pointer) else { return nil }
        return XMLNode(root, in: self)
    }

    /// The encoding the document declared or was read with (`UTF-8`, `windows-1252`, …), when known.
    public var encoding: String? {
        guard let encoding = pointer.pointee.encoding else { return nil }
        return String(cString: encoding)
    }

    /// The public identifier of the document's DOCTYPE (`-//OASIS//DTD DocBook XML V4.5//EN`), when present.
    public var doctypePublicID: String? {
        guard let dtd = xmlGetIntSubset(pointer), let id = dtd.pointee.ExternalID else { return nil }
        return String(cString: id)
    }

    /// The name of the document's DOCTYPE (`html`, `book`, `article`), when present.
    public var doctypeName: String? {
        guard let dtd = xmlGetIntSubset(pointer), let name = dtd.pointee.name else { return nil }
        return String(cString: name)
    }
}

extension XMLDocumentHandle {
    /// The largest input handed to libxml2, whose length parameters are 32-bit.
    public static let maximumInputSize = Int(Int32.max)

    /// Parses a well-formed XML document, or throws `NightshiftError(.format)` naming libxml2's reason and line.
    ///
    /// Safe on untrusted input: entities are not substituted by the parser (`XML_PARSE_NOENT` is off), no DTD or
    /// other resource is loaded from the network or the file system (`XML_PARSE_NONET`, no `XML_PARSE_DTDLOAD`),
    /// and libxml2's size and entity-amplification limits stay in force (no `XML_PARSE_HUGE`).
    /// - Parameters:
    ///   - bytes: The document as stored; its encoding comes from the BOM or the XML declaration.
    ///   - url: Names the document in errors (a path, an archive entry or a URL without credentials).
    public static func parseXML(_ bytes: [UInt8], url: String? = nil) throws -> XMLDocumentHandle {
        XMLLibrary.prepareThread()
        try checkSize(bytes.count, url: url)
        guard let context = xmlNewParserCtxt() else {
            throw NightshiftError(.internal, "libxml2 could not allocate a parser context", context: errorContext(url))
        }
        defer { xmlFreeParserCtxt(context) }
        let options =
            XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue | XML_PARSE_BIG_LINES.rawValue
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.flatMap { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                    xmlCtxtReadMemory(context, chars, Int32(buffer.count), url, nil, Int32(options))
                }
            }
        }
        guard let document else {
            throw parseError(context: context, url: url, empty: bytes.isEmpty)
        }
        guard context.pointee.wellFormed != 0 else {
            xmlFreeDoc(document)
            throw parseError(context: context, url: url, empty: bytes.isEmpty)
        }
        return XMLDocumentHandle(owning: document)
    }

    /// Parses HTML as a browser would tolerate it: broken markup is repaired, never an error.
    ///
    /// - Parameters:
    ///   - bytes: The page as stored or as received.
    ///   - url: The page's address or path, for libxml2's base URL and for errors.
    ///   - encoding: The character encoding to read the bytes with (an IANA name libxml2 or iconv knows). When
    ///     given, `<meta charset>` inside the page is ignored; when nil, libxml2 looks for one itself.
    /// - Throws: `NightshiftError(.format)` only when libxml2 returns no tree at all (empty input).
    public static func parseHTML(_ bytes: [UInt8], url: String? = nil, encoding: String? = nil) throws
        -> XMLDocumentHandle
    {
        XMLLibrary.prepareThread()
        try checkSize(bytes.count, url: url)
        var options =
            HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue
        if encoding != nil { options |= HTML_PARSE_IGNORE_ENC.rawValue }
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.flatMap { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                    htmlReadMemory(chars, Int32(buffer.count), url, encoding, Int32(options))
                }
            }
        }
        guard let document else {
            throw NightshiftError(.format, "HTML parser produced no document", context: errorContext(url))
        }
        return XMLDocumentHandle(owning: document)
    }

    private static func checkSize(_ count: Int, url: String?) throws {
        guard count <= maximumInputSize else {
            var context = errorContext(url)
            context["bytes"] = String(count)
            throw NightshiftError(.format, "document too large for libxml2 (over 2 GiB)", context: context)
        }
    }

    private static func errorContext(_ url: String?) -> [String: String] {
        guard let url else { return [:] }
        return ["url": url]
    }

    private static func parseError(context: xmlParserCtxtPtr, url: String?, empty: Bool) -> NightshiftError {
        var details = errorContext(url)
        guard let error = xmlCtxtGetLastError(context), error.pointee.code != 0 else {
            let reason = empty ? "empty document" : "malformed XML"
            return NightshiftError(.format, reason, context: details)
        }
        var reason = error.pointee.message.map { String(cString: $0) } ?? "malformed XML"
        reason = reason.trimmingTrailingWhitespace()
        let line = Int(error.pointee.line)
        let column = Int(error.pointee.int2)
        if line > 0 { details["line"] = String(line) }
        if column > 0 { details["column"] = String(column) }
        details["libxml2_code"] = String(error.pointee.code)
        let position = line > 0 ? " at line \(line)" + (column > 0 ? ", column \(column)" : "") : ""
        return NightshiftError(.format, "malformed XML\(position): \(reason)", context: details)
    }
}

/// One-time libxml2 set-up shared by every parse.
enum XMLLibrary {
    /// Runs `xmlInitParser` exactly once (Swift initialises a global `let` lazily and atomically).
    private static let initialized: Bool = {
        nightshift_xml_initialize()
        return true
    }()

    /// Makes sure libxml2 is initialised and that the calling thread does not print parse errors to stderr.
    static func prepareThread() {
        _ = initialized
        nightshift_xml_silence()
    }
}

extension String {
    /// The string without trailing spaces and newlines (libxml2 messages end with "\n").
    fileprivate func trimmingTrailingWhitespace() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
