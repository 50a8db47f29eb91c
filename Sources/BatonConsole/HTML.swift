import Foundation

/// The console's HTML pieces: escaping, the page shell with its style sheet and its one small script.
enum HTML {
    /// Text for an element or a double-quoted attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A query-string value.
    static func query(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// The decoded fields of an `application/x-www-form-urlencoded` body or a query string.
    static func form(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if let key = parts.first, fields[key] == nil { fields[key] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }

    /// A date as `2026-12-04 20:31:05.123` UTC.
    static func date(_ date: Date) -> String {
        date.formatted(
            Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().dateTimeSeparator(.space)
                .time(includingFractionalSeconds: true))
    }

    /// A status as a labelled badge (the word is always shown: colour is never the only signal).
    static func status(_ status: String) -> String {
        "<span class=\"badge st-\(escape(status.lowercased()))\">\(escape(status))</span>"
    }

    /// A whole page: `live` is the URL of the page's event stream, if it updates live.
    static func page(title: String, current: String, live: String? = nil, body: String) -> String {
        let nav = [
            ("executions", "/console", "Executions"), ("machines", "/console/state-machines", "State machines"),
            ("reports", "/console/reports", "Reports"),
        ]
        .map { key, href, label in
            "<a href=\"\(href)\"\(key == current ? " aria-current=\"page\"" : "")>\(label)</a>"
        }.joined(separator: " ")
        let liveAttributes = live.map { " data-feed=\"\(escape($0))\"" } ?? ""
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · Baton console</title><link rel="icon" href="data:,">
            <style>\(style)</style></head>
            <body><a class="skip" href="#main">Skip to content</a>
            <header><strong>Baton console</strong> <nav aria-label="Sections">\(nav)</nav>
            <span id="live-status" role="status" aria-live="polite"></span></header>
            <main id="main"><h1>\(escape(title))</h1>
            <div id="live"\(liveAttributes)>
            \(body)
            </div></main>
            <script>\(script)</script>
            </body></html>
            """
    }

    /// Dark text on light backgrounds (contrast above 7:1 for text, 4.5:1 for badges), visible focus rings.
    static let style = """
        body{font-family:system-ui,sans-serif;margin:0;color:#111;background:#fff;line-height:1.4}
        header{background:#1d2b3a;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:center}
        header a{color:#fff;margin-right:1em}header a[aria-current]{text-decoration:underline 3px}
        main{padding:1em 1.2em}a{color:#0645ad}
        .skip{position:absolute;left:-999px}.skip:focus{left:.5em;top:.5em;background:#fff;color:#000;padding:.3em}
        :focus-visible{outline:3px solid #c60;outline-offset:2px}
        table{border-collapse:collapse;margin:.5em 0}th,td{border-bottom:1px solid #bbb;padding:.3em .6em;text-align:left;vertical-align:top}
        th{background:#eef1f4}pre{background:#f5f5f5;padding:.6em;max-width:70em;overflow:auto;white-space:pre-wrap;word-break:break-all}
        .badge{padding:.1em .45em;border-radius:.3em;font-size:.9em;font-weight:600;border:1px solid #333}
        .st-running{background:#dbe9ff;color:#06357a}.st-succeeded{background:#d8f5dd;color:#0b5a1c}
        .st-failed,.st-timed_out{background:#fde0e0;color:#8a0010}.st-aborted{background:#eee;color:#333}
        .counts{display:flex;gap:.6em;flex-wrap:wrap;list-style:none;padding:0}.counts li{border:1px solid #999;padding:.3em .6em;border-radius:.3em}
        form.inline{display:inline-block;margin:.3em 1em .3em 0}label{margin-right:.4em}
        input,select,textarea,button{font:inherit;padding:.25em .4em}button{cursor:pointer;border:1px solid #333;background:#f0f0f0;border-radius:.3em}
        button.danger{background:#8a0010;color:#fff}.message{border-left:4px solid #c60;padding:.4em .8em;background:#fff6e5}
        .graph{overflow:auto;border:1px solid #ccc;padding:.5em;max-height:48em}.graph svg{max-width:100%;height:auto}
        .gantt{position:relative;border-left:1px solid #999;min-width:30em}.gantt .row{display:flex;align-items:center;height:1.6em}
        .gantt .name{width:16em;flex:none;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-size:.9em}
        .gantt .track{position:relative;flex:1;height:1.1em;background:#f4f4f4}
        .gantt .bar{position:absolute;top:0;bottom:0;min-width:2px;background:#5b7db1}.gantt .bar.task{background:#2f6f3e}
        .gantt .bar.failed{background:#b00020}.gantt .bar.open{background:#c60}.gantt .tick{position:absolute;top:-.1em;bottom:-.1em;width:2px;background:#7a4d00}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dl.facts dt{font-weight:600}
        """

    /// Live updates and countdowns; everything else works without it. When the page's event stream says that
    /// something changed, the page fetches itself and swaps its `#live` part (not while a form in it has focus).
    static let script = """
        (function(){
        var live=document.getElementById('live'),status=document.getElementById('live-status');
        function tick(){document.querySelectorAll('[data-deadline]').forEach(function(el){
        var left=(Number(el.dataset.deadline)-Date.now())/1000*Number(el.dataset.scale||1);
        el.textContent=left>0?Math.ceil(left)+' s (workflow time)':'due';});}
        tick();setInterval(tick,1000);
        if(!live||!live.dataset.feed||!window.EventSource)return;
        var busy=false,again=false;
        function refresh(){if(busy){again=true;return;}busy=true;
        fetch(location.href,{headers:{'Accept':'text/html'},credentials:'same-origin'}).then(function(r){return r.text();}).then(function(text){
        var fresh=new DOMParser().parseFromString(text,'text/html').getElementById('live');
        var focus=document.activeElement;
        if(fresh&&!(focus&&live.contains(focus)&&focus.form)){live.innerHTML=fresh.innerHTML;tick();}
        }).catch(function(){}).then(function(){busy=false;if(again){again=false;refresh();}});}
        var source=new EventSource(live.dataset.feed);
        source.addEventListener('changed',function(){status.textContent='updated '+new Date().toLocaleTimeString();refresh();});
        source.onopen=function(){status.textContent='live';};
        source.onerror=function(){status.textContent='reconnecting…';};
        })();
        """
}
