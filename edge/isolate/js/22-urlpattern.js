// URLPattern (WHATWG URL Pattern Standard): the pattern tokenizer and
// parser, the constructor string parser, and the compilation of each of
// the eight components to a RegExp, as the standard writes them. Values
// are canonicalized by the URL parser in Go (urlpattern.go). Built on
// first use (see host.lazy in 05-dom.js).
(function (g, host) {
  "use strict";
  host.lazy("URLPattern", () => {
    const go = host.urlpattern, CANON = 0, PARSE_URL = 1, NAME_CHAR = 2;
    const K_PROTOCOL = 0, K_USERNAME = 1, K_PASSWORD = 2, K_HOSTNAME = 3, K_PORT = 4,
      K_PATHNAME = 5, K_OPAQUE = 6, K_SEARCH = 7, K_HASH = 8;
    const COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
    const SPECIAL = { ftp: "21", file: null, http: "80", https: "443", ws: "80", wss: "443" };
    const isSpecial = (s) => Object.prototype.hasOwnProperty.call(SPECIAL, s);
    const canon = (kind) => (v, protocol) => go(CANON, kind, v, protocol === undefined ? "" : protocol);

    // Tokenizer.
    const OPEN = 0, CLOSE = 1, REGEXP = 2, NAME = 3, CHAR = 4, ESCAPED = 5, MODIFIER = 6, ASTERISK = 7, END = 8, INVALID = 9;
    const isNameChar = (c, first) => {
      const n = c.charCodeAt(0);
      if (n < 0x80) return c === "$" || c === "_" || (n | 32) >= 97 && (n | 32) <= 122 || !first && n >= 48 && n <= 57;
      return go(NAME_CHAR, c, first);
    };
    const tokenize = (input, strict) => {
      const cps = Array.from(input), tokens = [];
      // Token positions are code point indexes into cps.
      const add = (type, next, start, len) => {
        tokens.push({ type, index: i, value: cps.slice(start, start + len).join("") });
        i = next;
      };
      const fail = (next, start) => {
        if (strict) throw new TypeError(`URLPattern: invalid pattern ${JSON.stringify(input)} at ${start}`);
        add(INVALID, next, start, next - start);
      };
      let i = 0;
      while (i < cps.length) {
        const c = cps[i];
        if (c === "*") { add(ASTERISK, i + 1, i, 1); continue; }
        if (c === "+" || c === "?") { add(MODIFIER, i + 1, i, 1); continue; }
        if (c === "\\") {
          if (i === cps.length - 1) { fail(i + 1, i); continue; }
          add(ESCAPED, i + 2, i + 1, 1);
          continue;
        }
        if (c === "{") { add(OPEN, i + 1, i, 1); continue; }
        if (c === "}") { add(CLOSE, i + 1, i, 1); continue; }
        if (c === ":") {
          let p = i + 1;
          const start = p;
          while (p < cps.length && isNameChar(cps[p], p === start)) p++;
          if (p <= start) { fail(start, i); continue; }
          add(NAME, p, start, p - start);
          continue;
        }
        if (c === "(") {
          let depth = 1, p = i + 1, error = false;
          const start = p;
          while (p < cps.length) {
            const d = cps[p];
            if (d.charCodeAt(0) > 0x7f || d.length > 1) { fail(start, i); error = true; break; }
            if (p === start && d === "?") { fail(start, i); error = true; break; }
            if (d === "\\") {
              if (p === cps.length - 1) { fail(start, i); error = true; break; }
              const e = cps[p + 1];
              if (e.charCodeAt(0) > 0x7f || e.length > 1) { fail(start, i); error = true; break; }
              p += 2;
              continue;
            }
            if (d === ")") {
              depth--;
              if (depth === 0) { p++; break; }
            } else if (d === "(") {
              depth++;
              if (p === cps.length - 1) { fail(start, i); error = true; break; }
              if (cps[p + 1] !== "?") { fail(start, i); error = true; break; }
            }
            p++;
          }
          if (error) continue;
          if (depth !== 0) { fail(start, i); continue; }
          const len = p - start - 1;
          if (len === 0) { fail(start, i); continue; }
          add(REGEXP, p, start, len);
          continue;
        }
        add(CHAR, i + 1, i, 1);
      }
      tokens.push({ type: END, index: i, value: "" });
      return tokens;
    };

    // Pattern parser: a part is {type, value, modifier, name, prefix, suffix}.
    const FIXED = 0, P_REGEXP = 1, SEGMENT = 2, FULL = 3;
    const M_NONE = "", M_OPTIONAL = "?", M_ZERO_OR_MORE = "*", M_ONE_OR_MORE = "+";
    const escapeRegexp = (s) => s.replace(/[.+*?^${}()[\]|/\\]/g, "\\$&");
    const escapePattern = (s) => s.replace(/[+*?:{}()\\]/g, "\\$&");
    const segmentWildcard = (o) => "[^" + escapeRegexp(o.delimiter) + "]+?";

    const parsePattern = (input, options, encode) => {
      const tokens = tokenize(input, true), parts = [], segment = segmentWildcard(options);
      let index = 0, pending = "", nextNumeric = 0;
      const tryConsume = (type) => {
        const t = tokens[index];
        if (t.type !== type) return null;
        index++;
        return t;
      };
      const tryModifier = () => tryConsume(MODIFIER) || tryConsume(ASTERISK);
      const tryRegexpOrWildcard = (name) => {
        const t = tryConsume(REGEXP);
        return name === null && t === null ? tryConsume(ASTERISK) : t;
      };
      const consumeText = () => {
        let s = "";
        for (;;) {
          const t = tryConsume(CHAR) || tryConsume(ESCAPED);
          if (t === null) return s;
          s += t.value;
        }
      };
      const require = (type) => {
        const t = tryConsume(type);
        if (t === null) throw new TypeError(`URLPattern: invalid pattern ${JSON.stringify(input)}`);
        return t;
      };
      const flushPending = () => {
        if (pending === "") return;
        parts.push({ type: FIXED, value: encode(pending), modifier: M_NONE, name: "", prefix: "", suffix: "" });
        pending = "";
      };
      const addPart = (prefix, nameTok, reTok, suffix, modTok) => {
        const modifier = modTok === null ? M_NONE : modTok.value;
        if (nameTok === null && reTok === null && modifier === M_NONE) { pending += prefix; return; }
        flushPending();
        if (nameTok === null && reTok === null) {
          if (prefix === "") return;
          parts.push({ type: FIXED, value: encode(prefix), modifier, name: "", prefix: "", suffix: "" });
          return;
        }
        let value = reTok === null ? segment : reTok.type === ASTERISK ? ".*" : reTok.value;
        let type = P_REGEXP;
        if (value === segment) { type = SEGMENT; value = ""; } else if (value === ".*") { type = FULL; value = ""; }
        let name = "";
        if (nameTok !== null) name = nameTok.value;
        else name = String(nextNumeric++);
        if (parts.some((p) => p.name === name)) throw new TypeError(`URLPattern: duplicate group name ${JSON.stringify(name)}`);
        parts.push({ type, value, modifier, name, prefix: encode(prefix), suffix: encode(suffix) });
      };
      while (index < tokens.length) {
        const charTok = tryConsume(CHAR);
        let nameTok = tryConsume(NAME);
        let reTok = tryRegexpOrWildcard(nameTok);
        if (nameTok !== null || reTok !== null) {
          let prefix = charTok === null ? "" : charTok.value;
          if (prefix !== "" && prefix !== options.prefix) { pending += prefix; prefix = ""; }
          flushPending();
          addPart(prefix, nameTok, reTok, "", tryModifier());
          continue;
        }
        const fixed = charTok || tryConsume(ESCAPED);
        if (fixed !== null) { pending += fixed.value; continue; }
        if (tryConsume(OPEN) !== null) {
          const prefix = consumeText();
          nameTok = tryConsume(NAME);
          reTok = tryRegexpOrWildcard(nameTok);
          const suffix = consumeText();
          require(CLOSE);
          addPart(prefix, nameTok, reTok, suffix, tryModifier());
          continue;
        }
        flushPending();
        require(END);
      }
      return parts;
    };

    // regexpOf gives the source, the group names, and for each group
    // whether it is a bare optional group "(x)?": ECMAScript refuses an
    // empty iteration of it, so it never captures "" (it is undefined),
    // while goja's engine captures "".
    const regexpOf = (parts, options) => {
      let re = "^";
      const names = [], bare = [];
      for (const p of parts) {
        if (p.type === FIXED) {
          re += p.modifier === M_NONE ? escapeRegexp(p.value) : "(?:" + escapeRegexp(p.value) + ")" + p.modifier;
          continue;
        }
        names.push(p.name);
        bare.push(p.modifier === M_OPTIONAL && p.prefix === "" && p.suffix === "");
        const value = p.type === SEGMENT ? segmentWildcard(options) : p.type === FULL ? ".*" : p.value;
        const single = p.modifier === M_NONE || p.modifier === M_OPTIONAL;
        if (p.prefix === "" && p.suffix === "") {
          re += single ? "(" + value + ")" + p.modifier : "((?:" + value + ")" + p.modifier + ")";
          continue;
        }
        const pre = escapeRegexp(p.prefix), suf = escapeRegexp(p.suffix);
        if (single) {
          re += "(?:" + pre + "(" + value + ")" + suf + ")" + p.modifier;
          continue;
        }
        re += "(?:" + pre + "((?:" + value + ")(?:" + suf + pre + "(?:" + value + "))*)" + suf + ")";
        if (p.modifier === M_ZERO_OR_MORE) re += "?";
      }
      return [re + "$", names, bare];
    };

    const isDigit = (c) => c !== undefined && c >= "0" && c <= "9";
    const patternStringOf = (parts, options) => {
      let s = "";
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i], prev = i > 0 ? parts[i - 1] : null, next = i < parts.length - 1 ? parts[i + 1] : null;
        if (p.type === FIXED) {
          s += p.modifier === M_NONE ? escapePattern(p.value) : "{" + escapePattern(p.value) + "}" + p.modifier;
          continue;
        }
        const custom = !isDigit(p.name[0]);
        let group = p.suffix !== "" || p.prefix !== "" && p.prefix !== options.prefix;
        if (!group && custom && p.type === SEGMENT && p.modifier === M_NONE && next !== null &&
          next.prefix === "" && next.suffix === "") {
          if (next.type === FIXED) {
            const first = Array.from(next.value)[0];
            group = first !== undefined && isNameChar(first, false);
          } else {
            group = isDigit(next.name[0]);
          }
        }
        if (!group && p.prefix === "" && prev !== null && prev.type === FIXED && options.prefix !== "" &&
          prev.value.endsWith(options.prefix)) {
          group = true;
        }
        if (group) s += "{";
        s += escapePattern(p.prefix);
        if (custom) s += ":" + p.name;
        if (p.type === P_REGEXP) s += "(" + p.value + ")";
        else if (p.type === SEGMENT && !custom) s += "(" + segmentWildcard(options) + ")";
        else if (p.type === FULL) {
          s += !custom && (prev === null || prev.type === FIXED || prev.modifier !== M_NONE || group || p.prefix !== "")
            ? "*" : "(.*)";
        }
        if (p.type === SEGMENT && custom && p.suffix !== "" && isNameChar(Array.from(p.suffix)[0], false)) s += "\\";
        s += escapePattern(p.suffix);
        if (group) s += "}";
        s += p.modifier;
      }
      return s;
    };

    // checkEscapes refuses an escape that is a SyntaxError in a u-mode
    // RegExp (goja's RegExp accepts \m and the like as identity escapes).
    const U_ESCAPES = "^$\\.*+?()[]{}|/-fnrtvcdDsSwWbBpPuxk0123456789";
    const checkEscapes = (re, input) => {
      for (let i = 0; i < re.length; i++) {
        if (re[i] !== "\\") continue;
        if (U_ESCAPES.indexOf(re[++i]) < 0) {
          throw new TypeError(`URLPattern: ${JSON.stringify(input)} has the invalid regular expression escape \\${re[i]}`);
        }
      }
    };
    const DEFAULT = { delimiter: "", prefix: "", ignoreCase: false };
    const HOSTNAME = { delimiter: ".", prefix: "", ignoreCase: false };
    const PATHNAME = { delimiter: "/", prefix: "/", ignoreCase: false };
    // compile is "compile a component": {pattern, regexp, names, hasRegExpGroups}.
    const compile = (input, encode, options) => {
      const parts = parsePattern(input, options, encode);
      const [source, names, bare] = regexpOf(parts, options);
      for (const p of parts) if (p.type === P_REGEXP) checkEscapes(p.value, input);
      let regexp;
      try {
        regexp = new RegExp(source, options.ignoreCase ? "ui" : "u");
      } catch (e) {
        throw new TypeError(`URLPattern: ${JSON.stringify(input)} does not compile to a regular expression: ${e.message}`);
      }
      return { pattern: patternStringOf(parts, options), regexp, names, bare, hasRegExpGroups: parts.some((p) => p.type === P_REGEXP) };
    };
    const matchesSpecial = (c) => Object.keys(SPECIAL).some((s) => c.regexp.test(s));

    // The encoding callbacks of the constructor.
    const ipv6 = (v) => {
      if (/[^0-9a-fA-F[\]:]/.test(v)) throw new TypeError(`URLPattern: invalid IPv6 hostname ${JSON.stringify(v)}`);
      return v.toLowerCase();
    };

    // "Process a URLPatternInit".
    const stripPrefix = (v, c) => (v.startsWith(c) ? v.slice(1) : v);
    const isAbsolutePathname = (s, type) => {
      if (s === "") return false;
      if (s[0] === "/") return true;
      if (type === "url" || s.length < 2) return false;
      return (s[0] === "\\" || s[0] === "{") && s[1] === "/";
    };
    const processInit = (init, type, base) => {
      const r = Object.assign({}, base);
      const has = (k) => init[k] !== undefined;
      const baseStr = (s) => (type === "pattern" ? escapePattern(s) : s);
      let baseURL = null;
      if (has("baseURL")) {
        baseURL = go(PARSE_URL, init.baseURL);
        if (baseURL === null) throw new TypeError(`URLPattern: invalid baseURL ${JSON.stringify(init.baseURL)}`);
        const [bProtocol, bUser, bPass, bHost, bPort, bPath, bSearch, bHash] = baseURL;
        if (!has("protocol")) r.protocol = baseStr(bProtocol);
        if (type !== "pattern" && !has("protocol") && !has("hostname") && !has("port") && !has("username")) r.username = baseStr(bUser);
        if (type !== "pattern" && !has("protocol") && !has("hostname") && !has("port") && !has("username") && !has("password")) r.password = baseStr(bPass);
        if (!has("protocol") && !has("hostname")) r.hostname = baseStr(bHost);
        if (!has("protocol") && !has("hostname") && !has("port")) r.port = baseStr(bPort);
        if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname")) r.pathname = baseStr(bPath);
        if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname") && !has("search")) r.search = baseStr(bSearch);
        if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname") && !has("search") && !has("hash")) r.hash = baseStr(bHash);
      }
      const url = type !== "pattern";
      if (has("protocol")) {
        const v = init.protocol.endsWith(":") ? init.protocol.slice(0, -1) : init.protocol;
        r.protocol = url ? canon(K_PROTOCOL)(v) : v;
      }
      if (has("username")) r.username = url ? canon(K_USERNAME)(init.username) : init.username;
      if (has("password")) r.password = url ? canon(K_PASSWORD)(init.password) : init.password;
      if (has("hostname")) r.hostname = url ? canon(K_HOSTNAME)(init.hostname, r.protocol) : init.hostname;
      if (has("port")) r.port = url ? canon(K_PORT)(init.port, r.protocol) : init.port;
      if (has("pathname")) {
        let p = init.pathname;
        if (baseURL !== null && !baseURL[8] && !isAbsolutePathname(p, type)) {
          const bp = baseStr(baseURL[5]), slash = bp.lastIndexOf("/");
          if (slash >= 0) p = bp.slice(0, slash + 1) + p;
        }
        if (url) p = isSpecial(r.protocol) || r.protocol === "" ? canon(K_PATHNAME)(p) : canon(K_OPAQUE)(p);
        r.pathname = p;
      }
      if (has("search")) { const v = stripPrefix(init.search, "?"); r.search = url ? canon(K_SEARCH)(v) : v; }
      if (has("hash")) { const v = stripPrefix(init.hash, "#"); r.hash = url ? canon(K_HASH)(v) : v; }
      return r;
    };

    // "Parse a constructor string": splits a pattern string into the
    // components of an init dictionary.
    const parseConstructorString = (input) => {
      const tokens = tokenize(input, false), cps = Array.from(input), result = {};
      let state = "init", componentStart = 0, index = 0, increment = 1, groupDepth = 0, ipv6Depth = 0, special = false;
      const safe = (i) => (i < tokens.length ? tokens[i] : tokens[tokens.length - 1]);
      const isChar = (i, v) => {
        const t = safe(i);
        return t.value === v && (t.type === CHAR || t.type === ESCAPED || t.type === INVALID);
      };
      const componentString = () => cps.slice(safe(componentStart).index, tokens[index].index).join("");
      const BEFORE_HOST = ["protocol", "authority", "username", "password"];
      const change = (next, skip) => {
        if (state !== "init" && state !== "authority" && state !== "done") result[state] = componentString();
        if (state !== "init" && next !== "done") {
          if (BEFORE_HOST.includes(state) && ["port", "pathname", "search", "hash"].includes(next) && result.hostname === undefined) result.hostname = "";
          if ([...BEFORE_HOST, "hostname", "port"].includes(state) && (next === "search" || next === "hash") && result.pathname === undefined) {
            result.pathname = special ? "/" : "";
          }
          if ([...BEFORE_HOST, "hostname", "port", "pathname"].includes(state) && next === "hash" && result.search === undefined) result.search = "";
        }
        state = next;
        index += skip;
        componentStart = index;
        increment = 0;
      };
      const rewind = () => { index = componentStart; increment = 0; };
      const rewindTo = (s) => { rewind(); state = s; };
      const isSearchPrefix = () => {
        if (isChar(index, "?")) return true;
        if (tokens[index].value !== "?") return false;
        if (index - 1 < 0) return true;
        const prev = safe(index - 1);
        return !(prev.type === NAME || prev.type === REGEXP || prev.type === CLOSE || prev.type === ASTERISK);
      };
      while (index < tokens.length) {
        increment = 1;
        const t = tokens[index];
        if (t.type === END) {
          if (state === "init") {
            rewind();
            if (isChar(index, "#")) change("hash", 1);
            else if (isSearchPrefix()) change("search", 1);
            else change("pathname", 0);
            index += increment;
            continue;
          }
          if (state === "authority") {
            rewindTo("hostname");
            index += increment;
            continue;
          }
          change("done", 0);
          break;
        }
        if (t.type === OPEN) { groupDepth++; index += increment; continue; }
        if (groupDepth > 0) {
          if (t.type === CLOSE) groupDepth--;
          else { index += increment; continue; }
        }
        switch (state) {
          case "init":
            if (isChar(index, ":")) rewindTo("protocol");
            break;
          case "protocol":
            if (isChar(index, ":")) {
              special = matchesSpecial(compile(componentString(), canon(K_PROTOCOL), DEFAULT));
              let next = "pathname", skip = 1;
              if (isChar(index + 1, "/") && isChar(index + 2, "/")) { next = "authority"; skip = 3; } else if (special) next = "authority";
              change(next, skip);
            }
            break;
          case "authority":
            if (isChar(index, "@")) rewindTo("username");
            else if (isChar(index, "/") || isSearchPrefix() || isChar(index, "#")) rewindTo("hostname");
            break;
          case "username":
            if (isChar(index, ":")) change("password", 1);
            else if (isChar(index, "@")) change("hostname", 1);
            break;
          case "password":
            if (isChar(index, "@")) change("hostname", 1);
            break;
          case "hostname":
            if (isChar(index, "[")) ipv6Depth++;
            else if (isChar(index, "]")) ipv6Depth--;
            else if (isChar(index, ":") && ipv6Depth === 0) change("port", 1);
            else if (isChar(index, "/")) change("pathname", 0);
            else if (isSearchPrefix()) change("search", 1);
            else if (isChar(index, "#")) change("hash", 1);
            break;
          case "port":
            if (isChar(index, "/")) change("pathname", 0);
            else if (isSearchPrefix()) change("search", 1);
            else if (isChar(index, "#")) change("hash", 1);
            break;
          case "pathname":
            if (isSearchPrefix()) change("search", 1);
            else if (isChar(index, "#")) change("hash", 1);
            break;
          case "search":
            if (isChar(index, "#")) change("hash", 1);
            break;
        }
        index += increment;
      }
      if (result.hostname !== undefined && result.port === undefined) result.port = "";
      return result;
    };

    // str converts to a USVString, as Web IDL does (blob.go's op 1).
    const str = (v) => host.form(1, `${v}`);
    const INIT_KEYS = [...COMPONENTS, "baseURL"];
    // toInit reads a URLPatternInit dictionary.
    const toInit = (o) => {
      const init = {};
      for (const k of INIT_KEYS) {
        const v = o[k];
        if (v !== undefined) init[k] = str(v);
      }
      return init;
    };
    const isInit = (v) => v !== null && typeof v === "object";
    const C = Symbol("components");
    const comps = (p) => {
      const c = p !== null && typeof p === "object" ? p[C] : undefined;
      if (c === undefined) throw new TypeError("Illegal invocation: not a URLPattern");
      return c;
    };

    class URLPattern {
      constructor() {
        let input = arguments[0], baseURL = arguments[1], options = arguments[2];
        if (isInit(baseURL)) { options = baseURL; baseURL = undefined; }
        const ignoreCase = options != null && !!options.ignoreCase;
        let init;
        if (input === undefined) input = {};
        if (isInit(input)) {
          if (baseURL !== undefined) throw new TypeError("URLPattern: a baseURL cannot be given with an init dictionary");
          init = toInit(input);
        } else {
          init = parseConstructorString(str(input));
          if (baseURL === undefined && init.protocol === undefined) {
            throw new TypeError(`URLPattern: ${JSON.stringify(str(input))} is relative and no baseURL was given`);
          }
          if (baseURL !== undefined) init.baseURL = str(baseURL);
        }
        const r = processInit(init, "pattern", {});
        for (const k of COMPONENTS) if (r[k] === undefined) r[k] = "*";
        if (isSpecial(r.protocol) && r.port === SPECIAL[r.protocol]) r.port = "";
        const c = {};
        c.protocol = compile(r.protocol, canon(K_PROTOCOL), DEFAULT);
        c.username = compile(r.username, canon(K_USERNAME), DEFAULT);
        c.password = compile(r.password, canon(K_PASSWORD), DEFAULT);
        const h = r.hostname;
        const isIPv6 = h.startsWith("[") || h.startsWith("{[") || h.startsWith("\\[");
        const literalProtocol = /^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(r.protocol) ? r.protocol.toLowerCase() : "";
        c.hostname = compile(h, isIPv6 ? ipv6 : (v) => canon(K_HOSTNAME)(v, literalProtocol), HOSTNAME);
        // The port's default for the protocol was dropped above; here a
        // fixed "80" stays "80" whatever the protocol pattern is.
        c.port = compile(r.port, canon(K_PORT), DEFAULT);
        const opts = { delimiter: "", prefix: "", ignoreCase };
        if (matchesSpecial(c.protocol)) {
          c.pathname = compile(r.pathname, canon(K_PATHNAME), { delimiter: "/", prefix: "/", ignoreCase });
        } else {
          c.pathname = compile(r.pathname, canon(K_OPAQUE), opts);
        }
        c.search = compile(r.search, canon(K_SEARCH), opts);
        c.hash = compile(r.hash, canon(K_HASH), opts);
        this[C] = c;
      }
      test() { return match(comps(this), arguments[0], arguments[1], arguments.length > 1) !== null; }
      exec() { return match(comps(this), arguments[0], arguments[1], arguments.length > 1); }
      get protocol() { return comps(this).protocol.pattern; }
      get username() { return comps(this).username.pattern; }
      get password() { return comps(this).password.pattern; }
      get hostname() { return comps(this).hostname.pattern; }
      get port() { return comps(this).port.pattern; }
      get pathname() { return comps(this).pathname.pattern; }
      get search() { return comps(this).search.pattern; }
      get hash() { return comps(this).hash.pattern; }
      get hasRegExpGroups() { const c = comps(this); return COMPONENTS.some((k) => c[k].hasRegExpGroups); }
      get [Symbol.toStringTag]() { return "URLPattern"; }
    }

    const match = (c, input, baseURL, hasBase) => {
      if (input === undefined) input = {};
      const inputs = [];
      let values;
      if (isInit(input)) {
        if (hasBase && baseURL !== undefined) throw new TypeError("URLPattern: a baseURL cannot be given with an init dictionary");
        const init = toInit(input);
        inputs.push(input);
        let r;
        try {
          r = processInit(init, "url", { protocol: "", username: "", password: "", hostname: "", port: "", pathname: "", search: "", hash: "" });
        } catch (e) {
          return null;
        }
        values = COMPONENTS.map((k) => r[k]);
      } else {
        const s = str(input);
        inputs.push(s);
        let b;
        if (baseURL !== undefined) {
          b = str(baseURL);
          inputs.push(b);
        }
        const u = go(PARSE_URL, s, b);
        if (u === null) return null;
        values = u.slice(0, 8);
      }
      const result = { inputs };
      for (let i = 0; i < COMPONENTS.length; i++) {
        const comp = c[COMPONENTS[i]], m = comp.regexp.exec(values[i]);
        if (m === null) return null;
        const groups = {};
        // Named groups inside a regexp part capture too: only the parts'
        // own groups are reported.
        for (let j = 1; j < m.length && j <= comp.names.length; j++) {
          groups[comp.names[j - 1]] = m[j] === "" && comp.bare[j - 1] ? undefined : m[j];
        }
        result[COMPONENTS[i]] = { input: values[i], groups };
      }
      return result;
    };

    for (const name of Object.getOwnPropertyNames(URLPattern.prototype)) {
      if (name !== "constructor") Object.defineProperty(URLPattern.prototype, name, { enumerable: true });
    }
    return { URLPattern };
  });
})(globalThis, globalThis.__vault);
