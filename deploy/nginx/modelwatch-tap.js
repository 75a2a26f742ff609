// modelwatch tap for nginx (njs >= 0.5.2): keeps a copy of each response body for the access-log
// record that deploy/nginx/modelwatch-tap.conf.template sends to `modelwatch sidecar --tap nginx`.
// Every chunk is passed on to the client first, untouched: the client never waits for the copy.
// njs gives each request its own VM, so these module variables are per request.

// The copy is cut at this many bytes (the whole record must fit one UDP datagram); a cut copy
// is sent marked `cut`, and the sidecar counts the answer as unmonitored (response_too_large).
var LIMIT = 48 * 1024;
var chunks = [];
var size = 0;
var cut = false;

function capture(r, data, flags) {
  r.sendBuffer(data, flags);
  if (!cut && data.length > 0) {
    if (size + data.length <= LIMIT) {
      chunks.push(data);
      size += data.length;
    } else {
      cut = true;
      chunks = [];
    }
  }
  if (flags.last) {
    r.variables.modelwatch_response = cut ? '' : Buffer.concat(chunks).toString();
    r.variables.modelwatch_cut = cut ? '1' : '0';
  }
}

export default { capture };
