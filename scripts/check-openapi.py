#!/usr/bin/env python3
"""Checks the ledger service's OpenAPI document, and recorded exchanges against it.

    scripts/check-openapi.py [DOC] [--exchanges FILE] [--require-coverage]

DOC defaults to docs/openapi.json (next to this script's parent). Steps:

(a) DOC must be a valid OpenAPI 3.1 document (openapi_spec_validator's 3.1 validator).
(b) With --exchanges FILE: FILE is a JSON array of recorded exchanges, each
        {"method": "GET", "path_template": "/v1/entries/{seq}" (or "path": "/v1/entries/3"),
         "status": 200, "content_type": "application/json; charset=utf-8",
         "headers": {"Ledger-Exit-Code": "0", ...}, "body": "<the response body as text>"}
    Each must match the document: the path and method are documented, the status is documented
    (exactly, or by its range "4XX", or "default"), the content type is one the response declares,
    the body validates against its schema (JSON Schema draft 2020-12, $ref resolved within DOC;
    JSON bodies parsed with duplicate members refused; application/x-ndjson: every line against the
    schema, unless the schema is a string), and where the response declares the Ledger-Exit-Code
    header, the exchange carries it as an integer matching the header's schema.
    With --require-coverage, every operation of the document must have at least one exchange.

Exit: 0 all good; 1 mismatches (each named on stderr, one line each); 2 usage or unreadable input;
3 the Python modules are missing (jsonschema, openapi_spec_validator: scripts/install-deps.sh).
"""

import argparse
import json
import os
import re
import sys

MISSING_MODULES = 3

try:
    import jsonschema
    from openapi_spec_validator import OpenAPIV31SpecValidator
except ImportError as error:  # pragma: no cover - depends on the machine
    print(
        f"check-openapi: missing Python module ({error.name}): install with "
        "`python3 -m pip install jsonschema openapi-spec-validator` (scripts/install-deps.sh does)",
        file=sys.stderr,
    )
    sys.exit(MISSING_MODULES)

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
EXIT_CODE_HEADER = "ledger-exit-code"


def refuse_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate member {key!r}")
        seen[key] = value
    return seen


def load_json_text(text):
    return json.loads(text, object_pairs_hook=refuse_duplicates)


def pointer_escape(token):
    return token.replace("~", "~0").replace("/", "~1")


def resolve_local(doc, node, depth=0):
    """Follows a local `$ref` (#/...) in DOC; other nodes are returned as they are."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/") and depth < 32:
        target = doc
        for token in node["$ref"][2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or token not in target:
                raise KeyError(f"unresolvable $ref {node['$ref']}")
            target = target[token]
        node = target
        depth += 1
    return node


class Checker:
    def __init__(self, doc):
        self.doc = doc
        self.templates = []  # (template, regex)
        for template in (doc.get("paths") or {}).keys():
            parts = re.split(r"(\{[^/{}]+\})", template)
            pattern = "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)
            self.templates.append((template, re.compile("^" + pattern + "$")))
        # Literal templates first, so /v1/switches wins over /v1/{x}.
        self.templates.sort(key=lambda item: item[0].count("{"))

    def validate_document(self):
        return [f"document: {e.message} (at {'/'.join(str(p) for p in e.path) or 'root'})" for e in OpenAPIV31SpecValidator(self.doc).iter_errors()]

    def template_for(self, path):
        path = path.split("?", 1)[0]
        for template, regex in self.templates:
            if regex.match(path):
                return template
        return None

    def schema_validator(self, pointer):
        """A draft 2020-12 validator of the schema at `pointer`, with every $ref resolved within DOC."""
        root = dict(self.doc)
        root.pop("$schema", None)
        root["$ref"] = "#" + pointer
        return jsonschema.Draft202012Validator(root)

    def errors_of(self, pointer, instance):
        validator = self.schema_validator(pointer)
        problems = []
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
            # The deepest cause of an anyOf/oneOf failure says more than the summary.
            causes = [error]
            while causes[-1].context:
                causes.append(min(causes[-1].context, key=lambda e: -len(list(e.absolute_path))))
            cause = causes[-1]
            message = cause.message if len(cause.message) <= 200 else cause.message[:90] + " … " + cause.message[-90:]
            where = "/".join(str(p) for p in cause.absolute_path) or "the body"
            schema_at = "/".join(str(p) for p in cause.absolute_schema_path)
            problems.append(f"{message} (at {where}; schema {schema_at})")
        return problems

    def check(self, index, exchange):
        method = str(exchange.get("method", "")).lower()
        template = exchange.get("path_template") or self.template_for(str(exchange.get("path", "")))
        where = f"exchange {index} ({method.upper()} {exchange.get('path') or template} → {exchange.get('status')})"
        problems = []
        paths = self.doc.get("paths") or {}
        if template is None or template not in paths:
            return template, method, [f"{where}: path not in the document"]
        item = resolve_local(self.doc, paths[template])
        if method not in item:
            return template, method, [f"{where}: method not documented for {template}"]
        operation = item[method]
        responses = operation.get("responses") or {}
        status = str(exchange.get("status"))
        key = status if status in responses else (status[0] + "XX" if status[0] + "XX" in responses else ("default" if "default" in responses else None))
        if key is None:
            return template, method, [f"{where}: status {status} not documented (documented: {', '.join(sorted(responses))})"]
        response = resolve_local(self.doc, responses[key])
        base_pointer = self.response_pointer(template, method, key, responses[key])
        headers = {str(k).lower(): str(v) for k, v in (exchange.get("headers") or {}).items()}

        # The Ledger-Exit-Code header, where the response declares it.
        declared = {str(k).lower(): v for k, v in (response.get("headers") or {}).items()}
        if EXIT_CODE_HEADER in declared:
            header = resolve_local(self.doc, declared[EXIT_CODE_HEADER])
            value = headers.get(EXIT_CODE_HEADER)
            if value is None:
                problems.append(f"{where}: no Ledger-Exit-Code header (the document declares it)")
            elif not re.fullmatch(r"-?[0-9]+", value.strip()):
                problems.append(f"{where}: Ledger-Exit-Code {value!r} is not an integer")
            elif isinstance(header.get("schema"), dict):
                header_errors = jsonschema.Draft202012Validator(self.inline(header["schema"])).iter_errors(int(value))
                problems += [f"{where}: Ledger-Exit-Code {value}: {e.message}" for e in header_errors]

        # The body.
        content = response.get("content") or {}
        body = exchange.get("body") or ""
        content_type = str(exchange.get("content_type") or headers.get("content-type") or "").split(";", 1)[0].strip().lower()
        if not content:
            if body:
                problems.append(f"{where}: a body ({len(body)} characters) where the document declares none")
            return template, method, problems
        media_key = next((k for k in content if k.lower() == content_type), None)
        if media_key is None:
            media_key = next((k for k in content if k.endswith("/*") and content_type.startswith(k[:-1])), None)
        if media_key is None:
            problems.append(f"{where}: content type {content_type or '(none)'} not declared (declared: {', '.join(content)})")
            return template, method, problems
        media = content[media_key] or {}
        if "schema" not in media:
            return template, method, problems
        pointer = base_pointer + "/content/" + pointer_escape(media_key) + "/schema"
        schema = resolve_local(self.doc, media["schema"])
        is_string_schema = isinstance(schema, dict) and schema.get("type") == "string"
        if content_type == "application/json" or content_type.endswith("+json"):
            try:
                instance = load_json_text(body)
            except ValueError as error:
                return template, method, problems + [f"{where}: body is not JSON: {error}"]
            problems += [f"{where}: {message}" for message in self.errors_of(pointer, instance)]
        elif content_type == "application/x-ndjson" and not is_string_schema:
            for number, line in enumerate(body.split("\n"), start=1):
                if not line:
                    continue
                try:
                    instance = load_json_text(line)
                except ValueError as error:
                    problems.append(f"{where}: line {number} is not JSON: {error}")
                    continue
                problems += [f"{where}: line {number}: {message}" for message in self.errors_of(pointer, instance)]
        else:
            problems += [f"{where}: {message}" for message in self.errors_of(pointer, body)]
        return template, method, problems

    def inline(self, schema):
        root = dict(self.doc)
        root.pop("$schema", None)
        merged = dict(root)
        merged.update(schema if isinstance(schema, dict) else {})
        return merged

    def response_pointer(self, template, method, key, node):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            # Follow the chain of refs to the pointer of the response object itself.
            pointer = node["$ref"][1:]
            target = resolve_local(self.doc, {"$ref": node["$ref"]}, depth=31)
            while isinstance(target, dict) and isinstance(target.get("$ref"), str) and target["$ref"].startswith("#/"):
                pointer = target["$ref"][1:]
                target = resolve_local(self.doc, {"$ref": target["$ref"]}, depth=31)
            return pointer
        return "/paths/" + pointer_escape(template) + "/" + method + "/responses/" + pointer_escape(key)

    def operations(self):
        for template, item in (self.doc.get("paths") or {}).items():
            item = resolve_local(self.doc, item)
            for method in METHODS:
                if method in item:
                    yield template, method


def main(argv):
    default_doc = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "openapi.json")
    parser = argparse.ArgumentParser(description="Validate the OpenAPI document and recorded exchanges against it.")
    parser.add_argument("document", nargs="?", default=default_doc)
    parser.add_argument("--exchanges", help="JSON array of recorded exchanges")
    parser.add_argument("--require-coverage", action="store_true", help="every documented operation needs an exchange")
    args = parser.parse_args(argv)
    try:
        with open(args.document, encoding="utf-8") as handle:
            doc = load_json_text(handle.read())
    except (OSError, ValueError) as error:
        print(f"check-openapi: cannot read {args.document}: {error}", file=sys.stderr)
        return 2
    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3.1"):
        print(f"check-openapi: {args.document}: not an OpenAPI 3.1 document (openapi: {doc.get('openapi') if isinstance(doc, dict) else None!r})", file=sys.stderr)
        return 1
    checker = Checker(doc)
    problems = checker.validate_document()
    exchanges = []
    if args.exchanges:
        try:
            with open(args.exchanges, encoding="utf-8") as handle:
                exchanges = load_json_text(handle.read())
        except (OSError, ValueError) as error:
            print(f"check-openapi: cannot read {args.exchanges}: {error}", file=sys.stderr)
            return 2
        if not isinstance(exchanges, list):
            print(f"check-openapi: {args.exchanges}: not a JSON array", file=sys.stderr)
            return 2
        covered = set()
        if not problems:  # a document that does not validate cannot judge exchanges
            for index, exchange in enumerate(exchanges):
                if not isinstance(exchange, dict):
                    problems.append(f"exchange {index}: not an object")
                    continue
                try:
                    template, method, found = checker.check(index, exchange)
                except Exception as error:  # a schema the validator cannot use is a problem of the document
                    template, method, found = None, None, [f"exchange {index}: the document's schema cannot be used: {error}"]
                covered.add((template, method))
                problems += found
            if args.require_coverage:
                for template, method in checker.operations():
                    if (template, method) not in covered:
                        problems.append(f"coverage: {method.upper()} {template} has no recorded exchange")
    for problem in problems:
        print(problem.replace("\n", " "), file=sys.stderr)
    summary = f"check-openapi: {args.document}: {'valid' if not any(p.startswith('document:') for p in problems) else 'INVALID'}"
    if args.exchanges:
        summary += f", {len(exchanges)} exchanges, {len(problems)} problems"
    print(summary)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
