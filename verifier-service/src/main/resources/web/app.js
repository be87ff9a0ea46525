// provmark verifier web page: plain JS against the service's JSON API, same origin only.
// Server-provided text is only ever put into the page as text nodes (never parsed as HTML),
// and the API token lives in sessionStorage (gone when the tab closes), never in a URL.
'use strict';

(function () {
  const TOKEN_KEY = 'provmark.token';
  const POLL_MS = 1000;

  const $ = (id) => document.getElementById(id);
  let currentCase = null;
  let currentJob = null;
  let pollTimer = null;
  let mayRun = false; // the signed-in role may upload, start and cancel

  // ------------------------------------------------------------------ helpers

  /** Creates an element; string children become text nodes, so data is never parsed as HTML. */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (k === 'className') e.className = v;
        else if (k === 'dataset') Object.assign(e.dataset, v);
        else if (k === 'onclick') e.addEventListener('click', v);
        else e.setAttribute(k, v);
      }
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function showError(message) {
    const box = $('error');
    box.textContent = message;
    box.hidden = false;
  }

  function clearError() {
    $('error').hidden = true;
    $('error').textContent = '';
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  /** Calls the API; resolves to the Response on 2xx, otherwise throws an Error with the server's message. */
  async function api(method, path, body, contentType) {
    const headers = { 'Authorization': 'Bearer ' + token() };
    if (body !== undefined) headers['Content-Type'] = contentType || 'application/json';
    let resp;
    try {
      resp = await fetch(path, { method, headers, body, cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      throw new Error(method + ' ' + path + ': the service did not answer (' + e.message + ')');
    }
    if (!resp.ok) {
      let msg = '';
      try {
        const j = await resp.json();
        msg = j && typeof j.error === 'string' ? j.error : '';
      } catch (ignored) {
        // not JSON (e.g. a proxy's page): fall back to the status line
      }
      const err = new Error('HTTP ' + resp.status + (msg ? ': ' + msg : ' ' + resp.statusText));
      err.status = resp.status;
      throw err;
    }
    return resp;
  }

  async function apiJson(method, path, body) {
    return (await api(method, path, body === undefined ? undefined : JSON.stringify(body))).json();
  }

  /** Runs an async UI action; any failure is shown in the error box, and 401 forgets the token. */
  function guarded(fn) {
    return async (ev) => {
      if (ev && ev.preventDefault) ev.preventDefault();
      clearError();
      try {
        await fn(ev);
      } catch (e) {
        if (e.status === 401) signOut();
        showError(e.message);
      }
    };
  }

  function fmtTime(ms) {
    return typeof ms === 'number' ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '';
  }

  const SUPERSCRIPT = { '-': '\u207b', '0': '\u2070', '1': '\u00b9', '2': '\u00b2', '3': '\u00b3', '4': '\u2074',
    '5': '\u2075', '6': '\u2076', '7': '\u2077', '8': '\u2078', '9': '\u2079' };

  /** "3.04 × 10⁻⁴²" from a log10 value (the p-value itself may underflow to 0). */
  function fmtLog10(l) {
    if (typeof l !== 'number' || !isFinite(l)) return String(l);
    if (l > -4) return Number(Math.pow(10, l).toPrecision(3)).toString();
    let e = Math.floor(l);
    let mant = Math.pow(10, l - e);
    if (mant >= 9.995) { mant = 1; e += 1; }
    return mant.toFixed(2) + ' × 10' + String(e).split('').map((c) => SUPERSCRIPT[c]).join('');
  }

  // ------------------------------------------------------------------ session

  async function signIn(ev) {
    const t = $('token').value.trim();
    if (!t) throw new Error('paste an API token first');
    sessionStorage.setItem(TOKEN_KEY, t);
    $('token').value = '';
    await enter();
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    stopPolling();
    currentCase = null;
    currentJob = null;
    $('app').hidden = true;
    $('case-panel').hidden = true;
    $('job-panel').hidden = true;
    $('signed-in').hidden = true;
    $('signin-form').hidden = false;
    $('whoami').textContent = '';
  }

  /** Hides what the role may not do (the server enforces the roles; this only spares pointless 403s). */
  function applyRole(role) {
    const canCreateCase = role === 'admin' || role === 'legal';
    const canRun = role === 'admin' || role === 'legal' || role === 'researcher';
    $('new-case').hidden = !canCreateCase;
    $('upload-form').hidden = !canRun;
    $('run-section').hidden = !canRun;
    mayRun = canRun;
    $('read-only').hidden = canRun;
    $('read-only').textContent = canRun ? '' : 'Your role (' + role + ') can read cases, jobs and reports, not change them.';
  }

  async function enter() {
    const me = await apiJson('GET', '/api/me');
    $('whoami').textContent = me.name + ' (' + me.role + ')';
    applyRole(me.role);
    $('signin-form').hidden = true;
    $('signed-in').hidden = false;
    $('app').hidden = false;
    await loadCases();
    await loadProfiles();
  }

  // ------------------------------------------------------------------ cases

  async function loadCases() {
    const r = await apiJson('GET', '/api/cases');
    const list = $('cases');
    clear(list);
    for (const c of r.cases) {
      const b = el('button', { type: 'button', className: 'link', dataset: { caseId: c.id } }, c.title);
      b.addEventListener('click', guarded(() => openCase(c.id)));
      list.appendChild(el('li', currentCase === c.id ? { className: 'selected' } : null, b,
        el('span', { className: 'muted' }, fmtTime(c.created_at))));
    }
    $('no-cases').hidden = r.cases.length > 0;
  }

  async function createCase() {
    const title = $('new-case-title').value;
    const description = $('new-case-description').value;
    const c = await apiJson('POST', '/api/cases', { title, description });
    $('new-case-title').value = '';
    $('new-case-description').value = '';
    $('new-case').open = false;
    await openCase(c.id);
  }

  async function openCase(id) {
    stopPolling();
    const c = await apiJson('GET', '/api/cases/' + encodeURIComponent(id));
    currentCase = c.id;
    currentJob = null;
    $('case-title').textContent = c.title;
    $('case-description').textContent = c.description || '';
    $('case-id').textContent = c.id;
    $('upload-result').hidden = true;
    $('case-panel').hidden = false;
    $('job-panel').hidden = true;
    await Promise.all([loadCases(), loadEvidence(), loadJobs()]);
  }

  async function loadEvidence() {
    const r = await apiJson('GET', '/api/cases/' + encodeURIComponent(currentCase) + '/evidence');
    const body = $('evidence');
    const select = $('evidence-select');
    clear(body);
    clear(select);
    for (const e of r.evidence) {
      body.appendChild(el('tr', { dataset: { evidenceId: e.id } },
        el('td', null, e.name), el('td', null, e.kind), el('td', null, String(e.records)),
        el('td', null, String(e.size_bytes)), el('td', null, el('code', { className: 'hash' }, e.sha256))));
      select.appendChild(el('option', { value: e.id }, e.name + ' · ' + e.sha256.slice(0, 12) + '…'));
    }
    if (r.evidence.length > 0) select.value = r.evidence[r.evidence.length - 1].id;
    $('no-evidence').hidden = r.evidence.length > 0;
    $('evidence-table').hidden = r.evidence.length === 0;
  }

  async function loadProfiles() {
    const r = await apiJson('GET', '/api/profiles');
    const select = $('profile-select');
    clear(select);
    for (const p of r.profiles) {
      select.appendChild(el('option', { value: p.id }, p.name + ' · sha256 ' + p.sha256.slice(0, 12) + '…'));
    }
  }

  async function upload() {
    const input = $('evidence-file');
    if (!input.files || input.files.length === 0) throw new Error('choose a file to upload');
    const file = input.files[0];
    const kind = $('evidence-kind').value;
    const path = '/api/cases/' + encodeURIComponent(currentCase) + '/evidence?kind=' + encodeURIComponent(kind)
      + '&name=' + encodeURIComponent(file.name);
    const e = await (await api('POST', path, file, 'application/octet-stream')).json();
    $('evidence-sha').textContent = e.sha256;
    $('upload-result').hidden = false;
    input.value = '';
    await loadEvidence();
  }

  async function loadJobs() {
    const r = await apiJson('GET', '/api/cases/' + encodeURIComponent(currentCase) + '/jobs');
    const body = $('jobs');
    clear(body);
    for (const j of r.jobs) {
      const open = el('button', { type: 'button', className: 'link', dataset: { jobId: j.id } }, 'open');
      open.addEventListener('click', guarded(() => openJob(j.id)));
      body.appendChild(el('tr', currentJob === j.id ? { className: 'selected' } : null,
        el('td', null, el('code', null, j.id.slice(0, 8))), el('td', null, j.state),
        el('td', null, Math.round(j.progress * 100) + ' %'), el('td', null, fmtTime(j.created_at)), el('td', null, open)));
    }
    $('no-jobs').hidden = r.jobs.length > 0;
    $('jobs-table').hidden = r.jobs.length === 0;
  }

  async function startJob() {
    const evidenceId = $('evidence-select').value;
    const profileId = $('profile-select').value;
    if (!evidenceId) throw new Error('upload evidence first');
    if (!profileId) throw new Error('no profile: an admin must create one (POST /api/profiles)');
    const j = await apiJson('POST', '/api/jobs', { caseId: currentCase, evidenceId, profileId });
    await openJob(j.id);
  }

  // ------------------------------------------------------------------ jobs

  function stopPolling() {
    if (pollTimer !== null) {
      clearTimeout(pollTimer);
      pollTimer = null;
    }
  }

  async function openJob(id) {
    stopPolling();
    currentJob = id;
    $('job-id').textContent = id;
    $('verdict').hidden = true;
    $('report').hidden = true;
    $('job-panel').hidden = false;
    await refreshJob();
  }

  async function refreshJob() {
    const id = currentJob;
    const j = await apiJson('GET', '/api/jobs/' + encodeURIComponent(id));
    if (id !== currentJob) return; // the user opened something else meanwhile
    $('job-state').textContent = j.state;
    $('job-attempts').textContent = String(j.attempts);
    $('job-progress').value = j.progress;
    $('job-progress-text').textContent = Math.round(j.progress * 100) + ' %';
    $('job-error').textContent = j.error || '';
    $('job-error').hidden = !j.error || j.state === 'done';
    $('cancel-job').hidden = !(j.state === 'queued' || j.state === 'running') || !mayRun;
    await loadJobs();
    if (j.state === 'queued' || j.state === 'running') {
      pollTimer = setTimeout(guarded(refreshJob), POLL_MS);
    } else if (j.state === 'done') {
      await showReport(id);
    }
  }

  async function showReport(id) {
    const files = (await apiJson('GET', '/api/jobs/' + encodeURIComponent(id) + '/report')).files;
    if (id !== currentJob) return;
    const list = $('report-files');
    clear(list);
    const all = el('button', { type: 'button', id: 'download-zip' }, 'Download all (.zip)');
    all.addEventListener('click', guarded(() => downloadZip(id, files)));
    list.appendChild(el('li', null, all));
    for (const f of files) {
      const b = el('button', { type: 'button', className: 'link download', dataset: { file: f } }, f);
      b.addEventListener('click', guarded(() => downloadOne(id, f)));
      list.appendChild(el('li', null, b));
    }
    $('report').hidden = false;
    const report = await (await fetchReportFile(id, 'report.json')).json();
    if (id === currentJob) showVerdict(report);
  }

  function fetchReportFile(id, file) {
    const path = '/api/jobs/' + encodeURIComponent(id) + '/report/files/'
      + file.split('/').map(encodeURIComponent).join('/');
    return api('GET', path);
  }

  function showVerdict(r) {
    const s = r.summary;
    const key = r.key;
    $('verdict-text').textContent = 'If none of the ' + s.records + ' record(s) carried the watermark of key '
      + key.id + ', a result at least this extreme would occur with probability at most '
      + fmtLog10(s.holmLog10PValue) + ' (smallest Holm-corrected p-value, record ' + s.strongestRecord + ').';
    const dl = $('verdict-numbers');
    clear(dl);
    const rows = [
      ['Finding', s.finding],
      ['Holm-corrected log10 p', String(s.holmLog10PValue)],
      ['Records', String(s.records)],
      ['Tokens / scored', s.numTokens + ' / ' + s.numScored],
      ['Scheme / statistic', r.method.scheme + ' / ' + r.method.statistic],
      ['Key fingerprint', key.fingerprint],
      ['Evidence SHA-256', r.inputs.map((i) => i.sha256).join(', ')],
      ['Report created', r.times.reportCreated],
    ];
    for (const [k, v] of rows) {
      dl.appendChild(el('dt', null, k));
      dl.appendChild(el('dd', null, v));
    }
    const limits = $('verdict-limits');
    clear(limits);
    for (const l of r.limits) limits.appendChild(el('li', null, l));
    $('verdict').hidden = false;
  }

  async function cancelJob() {
    stopPolling();
    await apiJson('POST', '/api/jobs/' + encodeURIComponent(currentJob) + '/cancel');
    await refreshJob();
  }

  // ------------------------------------------------------------------ downloads

  /** Saves bytes through a Blob URL: the request needed the Authorization header, so a plain link cannot. */
  function saveBlob(blob, name) {
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: name, hidden: '' });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  async function downloadOne(id, file) {
    const blob = await (await fetchReportFile(id, file)).blob();
    // a browser download cannot create folders: inputs/<sha>.jsonl is saved as inputs_<sha>.jsonl
    saveBlob(blob, file.replace(/\//g, '_'));
  }

  async function downloadZip(id, files) {
    const entries = [];
    for (const f of files) {
      entries.push({ name: f, data: new Uint8Array(await (await fetchReportFile(id, f)).arrayBuffer()) });
    }
    saveBlob(new Blob([zipStore(entries)], { type: 'application/zip' }), 'provmark-report-' + id + '.zip');
  }

  const CRC_TABLE = (() => {
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = (c & 1) ? (0xEDB88320 ^ (c >>> 1)) : (c >>> 1);
      t[n] = c >>> 0;
    }
    return t;
  })();

  function crc32(bytes) {
    let c = 0xFFFFFFFF;
    for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xFF] ^ (c >>> 8);
    return (c ^ 0xFFFFFFFF) >>> 0;
  }

  /** A ZIP archive with stored (uncompressed) entries, so the report's paths (inputs/…) survive the download. */
  function zipStore(entries) {
    const enc = new TextEncoder();
    const parts = [];
    const central = [];
    let offset = 0;
    const d = new Date();
    const dosTime = (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1);
    const dosDate = ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate();
    for (const e of entries) {
      const name = enc.encode(e.name);
      const crc = crc32(e.data);
      const local = new DataView(new ArrayBuffer(30));
      local.setUint32(0, 0x04034b50, true);
      local.setUint16(4, 20, true);
      local.setUint16(6, 0x0800, true); // UTF-8 names
      local.setUint16(8, 0, true); // stored
      local.setUint16(10, dosTime, true);
      local.setUint16(12, dosDate, true);
      local.setUint32(14, crc, true);
      local.setUint32(18, e.data.length, true);
      local.setUint32(22, e.data.length, true);
      local.setUint16(26, name.length, true);
      local.setUint16(28, 0, true);
      parts.push(local, name, e.data);
      const c = new DataView(new ArrayBuffer(46));
      c.setUint32(0, 0x02014b50, true);
      c.setUint16(4, 20, true);
      c.setUint16(6, 20, true);
      c.setUint16(8, 0x0800, true);
      c.setUint16(10, 0, true);
      c.setUint16(12, dosTime, true);
      c.setUint16(14, dosDate, true);
      c.setUint32(16, crc, true);
      c.setUint32(20, e.data.length, true);
      c.setUint32(24, e.data.length, true);
      c.setUint16(28, name.length, true);
      c.setUint32(42, offset, true);
      central.push(c, name);
      offset += 30 + name.length + e.data.length;
    }
    let centralSize = 0;
    for (const c of central) centralSize += c.byteLength;
    const end = new DataView(new ArrayBuffer(22));
    end.setUint32(0, 0x06054b50, true);
    end.setUint16(8, entries.length, true);
    end.setUint16(10, entries.length, true);
    end.setUint32(12, centralSize, true);
    end.setUint32(16, offset, true);
    return new Blob([...parts, ...central, end]);
  }

  // ------------------------------------------------------------------ wiring

  document.addEventListener('DOMContentLoaded', () => {
    $('signin-form').addEventListener('submit', guarded(signIn));
    $('signout').addEventListener('click', () => { clearError(); signOut(); });
    $('new-case-form').addEventListener('submit', guarded(createCase));
    $('upload-form').addEventListener('submit', guarded(upload));
    $('job-form').addEventListener('submit', guarded(startJob));
    $('cancel-job').addEventListener('click', guarded(cancelJob));
    if (token()) guarded(enter)();
  });
})();
