import CLibXML2
import Foundation

/// A qualified XML name as the streaming parser reports it.
struct OfficeXMLName {
    /// The local part (`p` of `w:p`); lowercased in HTML mode.
    var local: String
    /// The namespace URI, or nil (always nil in HTML mode).
    var namespace: String?
}

/// One attribute of a start tag.
struct OfficeXMLAttribute {
    var local: String
    var namespace: String?
    var value: String
}

/// Receives the events of a streaming parse, in document order.
protocol OfficeXMLHandler: AnyObject {
    func startElement(_ name: OfficeXMLName, attributes: [OfficeXMLAttribute])
    func endElement(_ name: OfficeXMLName)
    func characters(_ text: UnsafeBufferPointer<UInt8>)
}

extension [OfficeXMLAttribute] {
    /// The value of the attribute with this local name (in any namespace).
    func value(_ local: String) -> String? {
        first { $0.local == local }?.value
    }
}

/// A streaming (SAX2, push) parse with libxml2 for the XML parts of DOCX, ODT and EPUB files.
///
/// Events go to a handler as the bytes are fed, so nothing but the handler's own state is built. Parsing is
/// hardened for untrusted files: no network, no external entities or DTDs, no entity expansion beyond the
/// predefined five, and recovery from errors (the first error is kept as a warning).
final class OfficeXMLParser {
    /// The first error libxml2 reported, if any (line and message).
    private(set) var firstError: String?
    /// Whether the handler saw at least one element.
    private(set) var sawElement = false

    private let handler: any OfficeXMLHandler
    private let html: Bool
    private static let chunkSize = 64 * 1024

    /// libxml2 wants one `xmlInitParser` before parsing on several threads; a global `let` runs it once.
    private static let libraryReady: Bool = {
        xmlInitParser()
        return true
    }()

    private init(handler: any OfficeXMLHandler, html: Bool) {
        self.handler = handler
        self.html = html
    }

    /// Parses XML (or, with `html`, tolerant HTML) bytes, sending events to `handler`.
    ///
    /// - Returns: the first error libxml2 reported (parsing recovered past it or stopped there), or nil.
    @discardableResult
    static func parse(_ bytes: [UInt8], name: String, html: Bool = false, handler: any OfficeXMLHandler) -> String? {
        _ = libraryReady
        let parser = OfficeXMLParser(handler: handler, html: html)
        parser.run(bytes, name: name)
        if !parser.sawElement && parser.firstError == nil {
            return "no XML element found"
        }
        return parser.firstError
    }

    private func run(_ bytes: [UInt8], name: String) {
        var sax = xmlSAXHandler()
        sax.initialized = UInt32(XML_SAX2_MAGIC)
        sax.startElementNs = { context, localName, _, uri, _, _, count, _, attributes in
            guard let context, let localName else { return }
            let parser = Unmanaged<OfficeXMLParser>.fromOpaque(context).takeUnretainedValue()
            var list: [OfficeXMLAttribute] = []
            if let attributes, count > 0 {
                list.reserveCapacity(Int(count))
                // Five pointers per attribute: local name, prefix, URI, value start, value end.
                for index in 0..<Int(count) {
                    let base = index * 5
                    guard let local = attributes[base], let start = attributes[base + 3],
                        let end = attributes[base + 4]
                    else { continue }
                    let value = String(
                        decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
                    list.append(
                        OfficeXMLAttribute(
                            local: String(cString: local), namespace: attributes[base + 2].map { String(cString: $0) },
                            value: value))
                }
            }
            parser.sawElement = true
            parser.handler.startElement(
                OfficeXMLName(local: String(cString: localName), namespace: uri.map { String(cString: $0) }),
                attributes: list)
        }
        sax.endElementNs = { context, localName, _, uri in
            guard let context, let localName else { return }
            let parser = Unmanaged<OfficeXMLParser>.fromOpaque(context).takeUnretainedValue()
            parser.handler.endElement(
                OfficeXMLName(local: String(cString: localName), namespace: uri.map { String(cString: $0) }))
        }
        // The HTML parser reports SAX1 events: a name and a NULL-terminated list of name/value pairs.
        sax.startElement = { context, name, pairs in
            guard let context, let name else { return }
            let parser = Unmanaged<OfficeXMLParser>.fromOpaque(context).takeUnretainedValue()
            var list: [OfficeXMLAttribute] = []
            if let pairs {
                var index = 0
                while let key = pairs[index] {
                    let value = pairs[index + 1].map { String(cString: $0) } ?? ""
                    list.append(
                        OfficeXMLAttribute(local: String(cString: key).lowercased(), namespace: nil, value: value))
                    index += 2
                }
            }
            parser.sawElement = true
            parser.handler.startElement(
                OfficeXMLName(local: String(cString: name).lowercased(), namespace: nil), attributes: list)
        }
        sax.endElement = { context, name in
            guard let context, let name else { return }
            let parser = Unmanaged<OfficeXMLParser>.fromOpaque(context).takeUnretainedValue()
            parser.handler.endElement(OfficeXMLName(local: String(cString: name).lowercased(), namespace: nil))
        }
        let characters: charactersSAXFunc = { context, text, length in
            guard let context, let text, length > 0 else { return }
            let parser = Unmanaged<OfficeXMLParser>.fromOpaque(context).takeUnretainedValue()
            parser.handler.characters(UnsafeBufferPointer(start: text, count: Int(length)))
        }
        sax.characters = characters
        sax.cdataBlock = characters
        sax.serror = { context, error in
            guard let context, let error else { return }
            let parser = Unmanaged<OfficeXMLParser>.fromOpaque(context).takeUnretainedValue()
            guard parser.firstError == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
            let message = error.pointee.message.map { String(cString: $0) } ?? "parse error"
            let trimmed = message.trimmingCharacters(in: .whitespacesAndNewlines)
            parser.firstError = "line \(error.pointee.line): \(trimmed)"
        }

        let context = Unmanaged.passUnretained(self).toOpaque()
        withExtendedLifetime(self) {
            let parserContext: xmlParserCtxtPtr?
            if html {
                parserContext = htmlCreatePushParserCtxt(&sax, context, nil, 0, name, XML_CHAR_ENCODING_NONE)
                if let parserContext {
                    let options =
                        HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue
                        | HTML_PARSE_NOWARNING.rawValue
                    htmlCtxtUseOptions(parserContext, Int32(options))
                }
            } else {
                parserContext = xmlCreatePushParserCtxt(&sax, context, nil, 0, name)
                if let parserContext {
                    let options =
                        XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
                        | XML_PARSE_NOWARNING.rawValue
                    xmlCtxtUseOptions(parserContext, Int32(options))
                }
            }
            guard let parserContext else {
                firstError = "libxml2 could not create a parser"
                return
            }
            defer {
                if html { htmlFreeParserCtxt(parserContext) } else { xmlFreeParserCtxt(parserContext) }
            }
            bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                var offset = 0
                while offset < buffer.count {
                    let count = min(Self.chunkSize, buffer.count - offset)
                    let status = UnsafeRawPointer(base + offset).withMemoryRebound(to: CChar.self, capacity: count) {
                        html
                            ? htmlParseChunk(parserContext, $0, Int32(count), 0)
                            : xmlParseChunk(parserContext, $0, Int32(count), 0)
                    }
                    // A fatal error stops libxml2 even in recovery mode; what was seen so far stays.
                    if status != 0 && parserContext.pointee.disableSAX != 0 { return }
                    offset += count
                }
            }
            if html {
                htmlParseChunk(parserContext, nil, 0, 1)
            } else {
                xmlParseChunk(parserContext, nil, 0, 1)
            }
        }
    }
}
