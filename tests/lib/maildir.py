#!/usr/bin/python3
# maildir.py DIR - every message of the Maildir DIR, as Python's mailbox and
# email packages read it (a parser nobody here wrote), printed as JSON: a
# list, in key order, of {headers, content_type, report_type, raw, and for
# a multipart: parts, per_message and per_rcpt (the delivery-status
# fields of a DSN), returned_subject / returned_body / returned_text; else
# body}.  Used by tests/lib/PmdfTest.pm read_maildir().
import mailbox, json, sys
out = []
md = mailbox.Maildir(sys.argv[1], factory=None, create=False)
for key in sorted(md.keys()):
    m = md[key]
    d = {'headers': {k.lower(): str(v) for k, v in m.items()},
         'content_type': m.get_content_type(),
         'report_type': m.get_param('report-type') or '',
         'raw': md.get_bytes(key).decode('latin-1')}
    if m.is_multipart():
        parts = m.get_payload()
        d['parts'] = [p.get_content_type() for p in parts]
        if len(parts) > 1 and parts[1].get_content_type() == 'message/delivery-status':
            blocks = parts[1].get_payload()
            d['per_message'] = {k.lower(): str(v) for k, v in blocks[0].items()}
            d['per_rcpt'] = [{k.lower(): str(v) for k, v in b.items()} for b in blocks[1:]]
        if len(parts) > 2:
            p = parts[2]
            if p.get_content_type() == 'message/rfc822':
                inner = p.get_payload()[0]
                d['returned_subject'] = str(inner['Subject'])
                d['returned_body'] = inner.get_payload()
            else:
                d['returned_text'] = p.get_payload()
    else:
        d['body'] = m.get_payload()
    out.append(d)
print(json.dumps(out))
