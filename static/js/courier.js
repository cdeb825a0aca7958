/* The courier's phone: actions go to a queue kept on the phone and are sent in order.
 *
 * Each action gets its key when the courier taps, so sending it again (the signal
 * came back halfway) never records it twice. Positions are kept and sent the same way.
 */
(function () {
  "use strict";
  const root = document.getElementById("courier");
  if (!root) return;
  const QUEUE = "songda.courier.queue";
  const POSITIONS = "songda.courier.positions";
  const csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value ||
    (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  const bar = document.getElementById("sync-bar");
  const problems = document.getElementById("sync-problems");
  let lastFix = null;
  let syncing = false;
  let again = false; /* something was queued while a send was under way */

  const load = (name) => { try { return JSON.parse(localStorage.getItem(name) || "[]"); } catch (e) { return []; } };
  const save = (name, items) => localStorage.setItem(name, JSON.stringify(items));
  const newKey = () => (self.crypto && crypto.randomUUID ? crypto.randomUUID().replace(/-/g, "")
    : Date.now().toString(36) + Math.random().toString(36).slice(2));

  function showQueue() {
    const waiting = load(QUEUE).length;
    if (!waiting && navigator.onLine) { bar.hidden = true; return; }
    bar.hidden = false;
    const count = waiting === 1 ? bar.dataset.one : bar.dataset.many.replace("%(count)s", waiting);
    bar.textContent = (navigator.onLine ? "" : bar.dataset.offline + " ") + (waiting ? count : "");
  }

  function showProblem(text) {
    const item = document.createElement("li");
    item.className = "message error";
    item.textContent = text;
    problems.appendChild(item);
    problems.hidden = false;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    if (!response.ok && response.status !== 400) throw new Error(String(response.status));
    return response.json();
  }

  async function sync() {
    if (syncing) { again = true; return; }
    if (!navigator.onLine) { showQueue(); return; }
    syncing = true;
    again = false;
    try {
      const queue = load(QUEUE);
      if (queue.length) {
        const answer = await post(root.dataset.actions, { actions: queue });
        const done = new Set((answer.results || []).map((r) => r.key));
        (answer.results || []).forEach((r) => { if (r.outcome !== "applied") showProblem(r.message); });
        if (answer.detail) { showProblem(answer.detail); queue.forEach((a) => done.add(a.key)); }
        save(QUEUE, load(QUEUE).filter((a) => !done.has(a.key)));
        root.dispatchEvent(new CustomEvent("courier:synced", { detail: answer }));
      }
      const positions = load(POSITIONS);
      if (positions.length) {
        await post(root.dataset.positions, { positions: positions });
        save(POSITIONS, []);
      }
    } catch (error) {
      /* no signal after all: everything stays queued */
    } finally {
      syncing = false;
      showQueue();
      if (again) sync();
    }
  }

  function enqueue(action) {
    const queue = load(QUEUE);
    queue.push(action);
    save(QUEUE, queue);
    showQueue();
    return sync();
  }

  /* --- forms --------------------------------------------------------------------- */

  function shrink(file) {
    return new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => {
        const scale = Math.min(1, 1280 / Math.max(image.width, image.height));
        const canvas = document.createElement("canvas");
        canvas.width = Math.round(image.width * scale);
        canvas.height = Math.round(image.height * scale);
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(image.src);
        resolve(canvas.toDataURL("image/jpeg", 0.7)); /* drawing again leaves EXIF behind */
      };
      image.onerror = reject;
      image.src = URL.createObjectURL(file);
    });
  }

  document.querySelectorAll("input[data-photo]").forEach((input) => {
    input.addEventListener("change", async () => {
      const target = input.form.elements[input.dataset.photo];
      target.value = input.files[0] ? await shrink(input.files[0]) : "";
    });
  });

  document.querySelectorAll("canvas[data-signature]").forEach((canvas) => {
    const pen = canvas.getContext("2d");
    const target = canvas.form || canvas.closest("form");
    let drawing = false;
    pen.lineWidth = 2.5; pen.lineCap = "round";
    const at = (e) => { const r = canvas.getBoundingClientRect(); return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; };
    canvas.addEventListener("pointerdown", (e) => { drawing = true; pen.beginPath(); pen.moveTo(...at(e)); });
    canvas.addEventListener("pointermove", (e) => { if (drawing) { pen.lineTo(...at(e)); pen.stroke(); } });
    ["pointerup", "pointerleave"].forEach((n) => canvas.addEventListener(n, () => {
      if (drawing) target.elements[canvas.dataset.signature].value = canvas.toDataURL("image/png");
      drawing = false;
    }));
  });

  const yuan = (fen) => "¥" + (fen / 100).toFixed(2);
  document.querySelectorAll("form.deliver").forEach((form) => {
    const due = form.querySelector(".due");
    const update = () => {
      let total = Number(form.dataset.deposit || 0);
      let tickets = 0;
      form.querySelectorAll("[data-tickets]").forEach((i) => { tickets += Number(i.value || 0); });
      form.querySelectorAll("input[data-price]").forEach((i) => {
        const units = Number(i.value || 0);
        const covered = Math.min(units, tickets);
        tickets -= covered;
        total += (units - covered) * Number(i.dataset.price);
      });
      form.querySelectorAll("[data-money]").forEach((i) => { total -= Math.round(Number(i.value || 0) * 100); });
      const given = Math.round(Number(form.elements.cash_given.value || 0) * 100);
      const change = given ? Math.max(0, given - total) : 0;
      due.textContent = due.dataset.dueText.replace("%(cash)s", yuan(Math.max(0, total))).replace("%(change)s", yuan(change));
    };
    form.addEventListener("input", update);
    update();
  });

  document.querySelectorAll("form[data-courier-action]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const payload = {};
      data.forEach((value, name) => {
        if (!["csrfmiddlewaretoken", "key", "kind", "order"].includes(name) && typeof value === "string" && value !== "") payload[name] = value;
      });
      const action = {
        key: newKey(), kind: data.get("kind"), order: Number(data.get("order")),
        occurred_at: new Date().toISOString(), payload: payload,
      };
      if (lastFix) { action.latitude = lastFix.latitude; action.longitude = lastFix.longitude; }
      form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      const leave = form.hasAttribute("data-done");
      const finished = (event) => {
        const results = (event.detail && event.detail.results) || [];
        const result = results.find((r) => r.key === action.key);
        if (!result) return; /* another batch: this action is still waiting */
        root.removeEventListener("courier:synced", finished);
        if (result.outcome !== "applied") {
          form.classList.remove("queued");
          form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
          return;
        }
        window.location.assign(leave ? root.dataset.today : window.location.href);
      };
      root.addEventListener("courier:synced", finished);
      if (!navigator.onLine) form.classList.add("queued");
      enqueue(action);
    });
  });

  /* --- position -------------------------------------------------------------------- */

  function keepPosition(fix) {
    lastFix = { latitude: fix.coords.latitude, longitude: fix.coords.longitude };
    const positions = load(POSITIONS);
    positions.push({ latitude: fix.coords.latitude, longitude: fix.coords.longitude,
      accuracy_m: Math.round(fix.coords.accuracy || 0), recorded_at: Date.now() });
    save(POSITIONS, positions.slice(-500));
    sync();
  }
  if (root.hasAttribute("data-on-shift") && navigator.geolocation) {
    const locate = () => navigator.geolocation.getCurrentPosition(keepPosition, () => null, { enableHighAccuracy: true, maximumAge: 20000, timeout: 15000 });
    locate();
    setInterval(locate, 30000);
  }

  window.addEventListener("online", sync);
  window.addEventListener("offline", showQueue);
  setInterval(sync, 30000);
  showQueue();
  sync();

  if ("serviceWorker" in navigator && root.dataset.sw) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.today }).then(() => {
      const pages = Array.from(document.querySelectorAll("a.stop-link")).map((a) => a.getAttribute("href"));
      navigator.serviceWorker.ready.then((reg) => { if (reg.active && pages.length) reg.active.postMessage({ cache: pages }); });
    }).catch(() => null);
  }
})();
