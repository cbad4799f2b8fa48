// neurosim playground: the page draws and asks; neurosim trains, in the server's Python process.
"use strict";

(() => {
  const POSITIVE = [8, 119, 189];
  const NEGATIVE = [245, 147, 34];
  const CLASS_COLORS = [NEGATIVE, POSITIVE, [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75]];
  const DATASET_NAMES = {
    circles: "Circles", xor: "XOR", moons: "Moons", spiral: "Spiral",
    blobs: "Gaussian", bumps: "Regression", csv: "Your CSV",
  };
  const NODE = 34; // a neuron's square, in pixels
  const TOP = 78; // room above the columns for the layer controls
  const PLAY_SECONDS = 0.1; // training time the page asks for per request while playing

  const app = {
    session: null,
    state: null,
    choices: null,
    playing: false,
    selected: null, // {kind: "neuron", name} or {kind: "synapse", source, target}
    sample: {split: "train", index: 0},
    epochsPerCall: 1,
    queue: Promise.resolve(),
    seenFindings: new Set(),
    lastInspect: 0,
    structure: "",
  };
  window.playground = app; // for looking at the page from the browser's console

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- talking to the server

  async function api(action, body = {}) {
    const payload = action === "start" ? body : {session: app.session, ...body};
    const response = await fetch("/api/" + action, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(payload),
    });
    const answer = await response.json();
    if (!response.ok) {
      const error = new Error(answer.error || response.statusText);
      error.field = answer.field;
      error.status = response.status;
      throw error;
    }
    return answer;
  }

  // one request at a time, in order, so that an answer never overwrites a newer one
  function request(action, body) {
    const run = app.queue.then(() => api(action, body));
    app.queue = run.catch(() => undefined);
    return run;
  }

  async function change(action, body) {
    try {
      const state = await request(action, body);
      clearError();
      render(state);
      return state;
    } catch (error) {
      showError(error);
      return null;
    }
  }

  function configure(fields) {
    return change("config", {config: fields});
  }

  // ---------------------------------------------------------------- messages

  function showError(error) {
    stopPlaying();
    $("banner-text").textContent = error.message || String(error);
    $("banner").hidden = false;
    document.querySelectorAll(".invalid").forEach((element) => element.classList.remove("invalid"));
    const field = error.field && document.querySelector(`[data-field="${error.field.replace(/\[.*$/, "")}"]`);
    if (field) field.classList.add("invalid");
    if (app.state) showConfig(app.state.config, true); // back to the values in force
  }

  function showNote(text) {
    $("banner-text").textContent = text;
    $("banner").hidden = false;
  }

  function clearError() {
    document.querySelectorAll(".invalid").forEach((element) => element.classList.remove("invalid"));
    if (!app.state || !app.state.diverged) $("banner").hidden = true;
  }

  // ---------------------------------------------------------------- colours

  function mix(color, amount) {
    const t = Math.max(0, Math.min(1, amount));
    return color.map((channel) => Math.round(255 + (channel - 255) * t));
  }

  // -1 (orange) .. 0 (white) .. 1 (blue)
  function diverging(value, strength = 1) {
    return value < 0 ? mix(NEGATIVE, -value * strength) : mix(POSITIVE, value * strength);
  }

  function css(rgb) {
    return `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
  }

  function bytes(base64) {
    const text = atob(base64);
    const values = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) values[i] = text.charCodeAt(i);
    return values;
  }

  function paint(canvas, size, colorOf) {
    canvas.width = size;
    canvas.height = size;
    const context = canvas.getContext("2d");
    const image = context.createImageData(size, size);
    for (let i = 0; i < size * size; i++) {
      const rgb = colorOf(i);
      image.data.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
    }
    context.putImageData(image, 0, 0);
  }

  // ---------------------------------------------------------------- controls

  function buildControls() {
    const fields = app.choices.fields;
    const datasets = $("datasets");
    for (const name of fields.dataset.choices) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = DATASET_NAMES[name] || name;
      button.dataset.dataset = name;
      button.addEventListener("click", () => {
        // "Your CSV" takes the file uploaded before, or asks for one (another one, when it is shown)
        const uploaded = app.state && app.state.data.upload;
        if (name === "csv" && (!uploaded || app.state.config.dataset === "csv")) {
          $("upload").click();
          return;
        }
        configure({dataset: name});
      });
      datasets.appendChild(button);
    }
    fillSelect($("optimizer"), fields.optimizer.choices);
    fillSelect($("init"), fields.init.choices);
    const classes = [];
    for (let k = fields.classes.low; k <= fields.classes.high; k++) classes.push(String(k));
    fillSelect($("classes"), classes);
    $("seed").max = fields.seed.high;
    $("data_seed").max = fields.data_seed.high;

    document.querySelectorAll("header [data-field], #data-panel [data-field]").forEach((element) => {
      element.addEventListener("change", () => configure({[element.dataset.field]: valueOf(element)}));
      if (element.type === "range") {
        element.addEventListener("input", () => showSlider(element));
      }
    });
    $("play").addEventListener("click", () => (app.playing ? stopPlaying() : startPlaying()));
    $("step-batch").addEventListener("click", () => change("step", {batches: 1}));
    $("step-epoch").addEventListener("click", () => change("step", {epochs: 1}));
    $("reset").addEventListener("click", () => {
      stopPlaying();
      change("reset");
    });
    $("add-layer").addEventListener("click", () => {
      const hidden = app.state.config.hidden;
      if (hidden.length < app.choices.max_hidden_layers) configure({hidden: [...hidden, 2]});
    });
    $("remove-layer").addEventListener("click", () => {
      const hidden = app.state.config.hidden;
      if (hidden.length) configure({hidden: hidden.slice(0, -1)});
    });
    $("upload").addEventListener("change", upload);
    $("copy-link").addEventListener("click", copyLink);
    $("banner-close").addEventListener("click", () => ($("banner").hidden = true));
    $("show-test").addEventListener("change", () => drawBoundary(app.state));
    $("sample-split").addEventListener("change", () => chooseSample($("sample-split").value, 0));
    $("sample-index").addEventListener("change", () => chooseSample(app.sample.split, Number($("sample-index").value)));
    $("set-weight").addEventListener("click", setWeight);
    $("weight-input").addEventListener("keydown", (event) => event.key === "Enter" && setWeight());
    $("prune").addEventListener("click", prune);
    $("boundary").addEventListener("click", pickPoint);
    window.addEventListener("resize", () => app.state && drawNetwork(app.state, true));
  }

  function fillSelect(select, options) {
    for (const option of options) {
      const element = document.createElement("option");
      element.value = option;
      element.textContent = option;
      select.appendChild(element);
    }
  }

  function valueOf(element) {
    if (element.tagName === "SELECT" && element.dataset.field !== "classes") return element.value;
    const text = element.value.trim();
    const number = Number(text);
    return text !== "" && Number.isFinite(number) ? number : text;
  }

  function showSlider(element) {
    const value = Number(element.value);
    const shown = element.id === "test_ratio" ? `${Math.round(value * 100)}%` : String(value);
    $(element.id + "-value").textContent = shown;
  }

  // the controls show the configuration, except the one being changed (unless ``all``)
  function showConfig(config, all = false) {
    document.querySelectorAll("header [data-field], #data-panel [data-field]").forEach((element) => {
      if (element === document.activeElement && !all) return;
      element.value = String(config[element.dataset.field]);
      if (element.type === "range") showSlider(element);
    });
    for (const button of $("datasets").children) {
      button.classList.toggle("selected", button.dataset.dataset === config.dataset);
    }
    const generated = !["xor", "csv"].includes(config.dataset);
    $("samples").disabled = $("noise").disabled = !generated;
    $("test_ratio").disabled = config.dataset === "xor";
    $("classes").disabled = !["spiral", "blobs"].includes(config.dataset);
    $("data_seed").disabled = config.dataset === "xor";
    const notes = {
      xor: "The four XOR points, all of them training points: points, noise and test points do not apply.",
      csv: `Your file, ${app.state ? app.state.data.name : ""}.`,
      spiral: "Noise is in radians, on each point's angle.",
      bumps: "A regression: the colour is the number predicted.",
    };
    $("data-note").textContent = notes[config.dataset] || "";
    $("save").href = "/api/model?session=" + encodeURIComponent(app.session);
  }

  async function upload() {
    const file = $("upload").files[0];
    $("upload").value = "";
    if (!file) return;
    stopPlaying();
    const text = await file.text();
    await change("upload", {text, name: file.name});
  }

  function copyLink() {
    const address = location.href;
    const copied = navigator.clipboard ? navigator.clipboard.writeText(address) : Promise.reject(new Error());
    copied.then(
      () => showNote("The link is copied: it restores this configuration (the network starts again from its seed)."),
      () => window.prompt("Copy this address:", address),
    );
  }

  // ---------------------------------------------------------------- training

  function startPlaying() {
    if (app.state && app.state.diverged) return;
    app.playing = true;
    $("play").classList.add("playing");
    $("play").innerHTML = "&#x275a;&#x275a;";
    playLoop();
  }

  function stopPlaying() {
    app.playing = false;
    $("play").classList.remove("playing");
    $("play").innerHTML = "&#x25b6;";
  }

  async function playLoop() {
    while (app.playing) {
      let state;
      try {
        state = await request("step", {epochs: app.epochsPerCall});
      } catch (error) {
        showError(error);
        return;
      }
      if (!app.playing) {
        render(state);
        return;
      }
      render(state);
      if (state.diverged) {
        stopPlaying();
        return;
      }
      const perEpoch = Math.max(state.seconds, 0.002) / app.epochsPerCall;
      app.epochsPerCall = Math.max(1, Math.min(200, Math.round(PLAY_SECONDS / perEpoch)));
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
  }

  // ---------------------------------------------------------------- drawing the state

  function render(state) {
    const firstOfData = !app.state || app.state.data.name !== state.data.name;
    app.state = state;
    keepSampleInRange(state.data);
    history.replaceState(null, "", "?" + state.query);
    showConfig(state.config);
    $("epoch").textContent = formatEpoch(state.epoch);
    $("layer-count").textContent = `${state.config.hidden.length} hidden layer${state.config.hidden.length === 1 ? "" : "s"}`;
    showLosses(state);
    drawNetwork(state, firstOfData);
    drawCurve(state);
    drawBoundary(state);
    showFindings(state.findings);
    if (state.diverged) {
      $("banner-text").textContent = "Training stopped: " + state.diverged + " Press reset to start again.";
      $("banner").hidden = false;
    }
    refreshInspector();
  }

  // new points may be fewer, or have no test points: the sample shown becomes one they have
  function keepSampleInRange(data) {
    const split = data[app.sample.split].length ? app.sample.split : "train";
    const index = Math.max(0, Math.min(data[split].length - 1, app.sample.index));
    if (split !== app.sample.split || index !== app.sample.index) app.sample = {split, index};
  }

  function formatEpoch(epoch) {
    return Number.isInteger(epoch) ? String(epoch) : epoch.toFixed(2);
  }

  function formatNumber(value, digits = 4) {
    if (value === null || value === undefined) return "–";
    return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(2) : value.toFixed(digits);
  }

  function showLosses(state) {
    $("train-loss").textContent = formatNumber(state.loss.train, 3);
    $("test-loss").textContent = formatNumber(state.loss.test, 3);
    const accuracy = state.accuracy;
    $("accuracy").textContent =
      accuracy.train === null ? "–" :
        `${Math.round(accuracy.train * 100)}% train` +
        (accuracy.test === null ? "" : `, ${Math.round(accuracy.test * 100)}% test`);
    const data = state.data;
    const classes = data.classes ? `${data.classes.length} classes` : "regression";
    $("task").textContent =
      `${data.train.length} training and ${data.test.length} test points; ${classes}; ` +
      `output ${data.output}, loss ${data.loss}.`;
  }

  // ---------------------------------------------------------------- the network graph

  function positions(network) {
    const graph = $("graph");
    const width = graph.clientWidth;
    const height = graph.clientHeight;
    const columns = network.layers.length;
    const margin = 40;
    const step = columns > 1 ? (width - 2 * margin - NODE) / (columns - 1) : 0;
    const places = {};
    network.layers.forEach((layer, column) => {
      const room = height - TOP - 24 - NODE;
      const gap = layer.size > 1 ? Math.min(46, room / (layer.size - 1)) : 0;
      const top = TOP + (room - gap * (layer.size - 1)) / 2;
      for (let i = 0; i < layer.size; i++) {
        places[`${layer.name}[${i}]`] = {x: margin + column * step, y: top + i * gap};
      }
    });
    return places;
  }

  function drawNetwork(state, force) {
    const network = state.network;
    const structure = JSON.stringify([network.layers, network.synapses.map((s) => s.source + ">" + s.target)]);
    const places = positions(network);
    if (force || structure !== app.structure) {
      app.structure = structure;
      buildNodes(network, places);
      buildLinks(network, places);
      buildLayerControls(state, places);
    }
    updateNodes(state);
    updateLinks(network);
    flagFindings(state.findings);
    markSelection();
  }

  function buildNodes(network, places) {
    const nodes = $("nodes");
    nodes.replaceChildren();
    for (const neuron of network.neurons) {
      const place = places[neuron.name];
      const node = document.createElement("div");
      node.className = "node";
      node.dataset.neuron = neuron.name;
      node.style.left = place.x + "px";
      node.style.top = place.y + "px";
      const canvas = document.createElement("canvas");
      node.appendChild(canvas);
      const label = document.createElement("div");
      label.className = "name";
      label.textContent = neuron.layer === "input" ? ["x₁", "x₂"][neuron.index] : "";
      node.appendChild(label);
      node.addEventListener("click", () => select({kind: "neuron", name: neuron.name}));
      nodes.appendChild(node);
    }
  }

  function updateNodes(state) {
    const network = state.network;
    const output = state.data.output;
    const size = network.node_grid;
    for (const neuron of network.neurons) {
      const node = document.querySelector(`.node[data-neuron="${CSS.escape(neuron.name)}"]`);
      if (!node) continue;
      const values = bytes(neuron.map);
      const isOutput = neuron.layer === "output";
      const range = state.data.range || 1;
      paint(node.querySelector("canvas"), size, (i) => {
        const relative = (values[i] / 255) * 2 - 1; // of the neuron's own scale
        const a = relative * neuron.scale;
        if (isOutput && output !== "identity") return diverging(2 * a - 1);
        if (isOutput) return diverging(a / range);
        return diverging(relative);
      });
      const bias = neuron.bias === null ? "" : `, bias ${formatNumber(neuron.bias)}`;
      node.title = `${neuron.name}${bias}; its largest output on the plane: ${formatNumber(neuron.scale)}`;
    }
  }

  function linkPath(from, to) {
    const x1 = from.x + NODE;
    const y1 = from.y + NODE / 2;
    const x2 = to.x;
    const y2 = to.y + NODE / 2;
    const middle = (x1 + x2) / 2;
    return `M${x1},${y1} C${middle},${y1} ${middle},${y2} ${x2},${y2}`;
  }

  function buildLinks(network, places) {
    const svg = $("links");
    svg.replaceChildren();
    const namespace = "http://www.w3.org/2000/svg";
    for (const synapse of network.synapses) {
      const d = linkPath(places[synapse.source], places[synapse.target]);
      const name = `${synapse.source} -> ${synapse.target}`;
      const link = document.createElementNS(namespace, "path");
      link.setAttribute("d", d);
      link.setAttribute("class", "link");
      link.dataset.synapse = name;
      const hit = document.createElementNS(namespace, "path");
      hit.setAttribute("d", d);
      hit.setAttribute("class", "hit");
      hit.dataset.synapse = name;
      const title = document.createElementNS(namespace, "title");
      hit.appendChild(title);
      hit.addEventListener("click", () => select({kind: "synapse", source: synapse.source, target: synapse.target}));
      svg.appendChild(link);
      svg.appendChild(hit);
    }
  }

  function updateLinks(network) {
    const largest = Math.max(1e-9, ...network.synapses.map((s) => Math.abs(s.weight || 0)));
    for (const synapse of network.synapses) {
      const name = `${synapse.source} -> ${synapse.target}`;
      const link = document.querySelector(`path.link[data-synapse="${CSS.escape(name)}"]`);
      const hit = document.querySelector(`path.hit[data-synapse="${CSS.escape(name)}"]`);
      if (!link) continue;
      const weight = synapse.weight || 0;
      link.style.stroke = css(weight >= 0 ? POSITIVE : NEGATIVE);
      link.style.strokeWidth = (0.6 + 5.4 * Math.abs(weight) / largest).toFixed(2) + "px";
      link.style.opacity = "0.85";
      hit.firstChild.textContent = `${name}: weight ${formatNumber(weight)}`;
    }
  }

  function buildLayerControls(state, places) {
    const controls = $("layer-controls");
    controls.replaceChildren();
    const activations = app.choices.fields.activations.choices;
    state.network.layers.forEach((layer, column) => {
      const place = places[`${layer.name}[0]`];
      const box = document.createElement("div");
      box.className = "layer-control";
      box.style.left = place.x + NODE / 2 - 45 + "px";
      if (layer.name === "input") {
        box.textContent = "Input";
      } else if (layer.name === "output") {
        box.textContent = `Output (${layer.activation})`;
      } else {
        const index = column - 1;
        const plus = smallButton("+", "Add a neuron", () => resize(index, 1));
        const minus = smallButton("−", "Remove a neuron", () => resize(index, -1));
        const count = document.createElement("div");
        count.textContent = `${layer.size} neuron${layer.size === 1 ? "" : "s"}`;
        const select = document.createElement("select");
        select.dataset.layer = String(index);
        select.title = `The activation of ${layer.name}`;
        fillSelect(select, activations);
        select.value = layer.activation;
        select.addEventListener("change", () => {
          const chosen = [...app.state.config.activations];
          chosen[index] = select.value;
          configure({activations: chosen});
        });
        box.append(plus, " ", minus, count, select);
      }
      controls.appendChild(box);
    });
  }

  function smallButton(text, title, action) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = text;
    button.title = title;
    button.addEventListener("click", action);
    return button;
  }

  function resize(index, by) {
    const hidden = [...app.state.config.hidden];
    const high = app.choices.fields.hidden.high;
    hidden[index] = Math.max(1, Math.min(high, hidden[index] + by));
    configure({hidden});
  }

  function flagFindings(findings) {
    document.querySelectorAll(".node").forEach((node) => {
      node.classList.remove("flagged-error", "flagged-warning", "flagged-info");
    });
    document.querySelectorAll("path.link.flagged").forEach((link) => link.classList.remove("flagged"));
    for (const finding of findings) {
      for (const where of finding.where) {
        if (where.includes(" -> ")) {
          const link = document.querySelector(`path.link[data-synapse="${CSS.escape(where)}"]`);
          if (link) link.classList.add("flagged");
          continue;
        }
        const selector = where.includes("[") ? `.node[data-neuron="${CSS.escape(where)}"]` :
          `.node[data-neuron^="${CSS.escape(where + "[")}"]`;
        document.querySelectorAll(selector).forEach((node) => {
          if (!node.className.includes("flagged-")) node.classList.add("flagged-" + finding.severity);
        });
      }
    }
  }

  // ---------------------------------------------------------------- the output: boundary and curves

  function drawBoundary(state) {
    if (!state) return;
    const canvas = $("boundary");
    const context = canvas.getContext("2d");
    const boundary = state.boundary;
    const size = boundary.size;
    const values = bytes(boundary.values);
    const classes = boundary.classes ? bytes(boundary.classes) : null;
    const picture = document.createElement("canvas");
    const count = state.data.classes ? state.data.classes.length : 0;
    paint(picture, size, (i) => {
      const value = values[i] / 255;
      if (boundary.kind === "classes") {
        const floor = 1 / count;
        return mix(CLASS_COLORS[classes[i] % CLASS_COLORS.length], 0.6 * (value - floor) / (1 - floor));
      }
      return diverging(2 * value - 1, 0.6);
    });
    context.imageSmoothingEnabled = true;
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.drawImage(picture, 0, 0, canvas.width, canvas.height);
    drawPoints(context, canvas, state);
    drawAxes(context, canvas, state.data.bounds);
  }

  function toCanvas(canvas, bounds, x, y) {
    const [x0, x1, y0, y1] = bounds;
    return [((x - x0) / (x1 - x0)) * canvas.width, ((y1 - y) / (y1 - y0)) * canvas.height];
  }

  function pointColor(state, label) {
    if (!state.data.classes) return diverging(label / (state.data.range || 1));
    return CLASS_COLORS[label % CLASS_COLORS.length];
  }

  function drawPoints(context, canvas, state) {
    const data = state.data;
    const radius = data.train.length + data.test.length <= 20 ? 7 : 3.5;
    const sets = [["train", data.train]];
    if ($("show-test").checked) sets.push(["test", data.test]);
    for (const [split, points] of sets) {
      points.forEach(([x, y, label], index) => {
        const [px, py] = toCanvas(canvas, data.bounds, x, y);
        context.beginPath();
        context.arc(px, py, radius, 0, 2 * Math.PI);
        context.fillStyle = css(pointColor(state, label));
        context.fill();
        if (split === "train") { // a faint dark ring outside the white rim: a point stays visible on white
          context.lineWidth = 2.5;
          context.strokeStyle = "rgba(0,0,0,0.3)";
          context.stroke();
        }
        context.lineWidth = split === "test" ? 1.6 : 1;
        context.strokeStyle = split === "test" ? "#111" : "#fff";
        context.stroke();
        if (app.selected && app.selected.kind === "neuron" && app.sample.split === split && app.sample.index === index) {
          context.beginPath();
          context.arc(px, py, radius + 4, 0, 2 * Math.PI);
          context.lineWidth = 2;
          context.strokeStyle = "#111";
          context.stroke();
        }
      });
    }
  }

  function drawAxes(context, canvas, bounds) {
    context.fillStyle = "rgba(0,0,0,0.6)";
    context.font = "10px system-ui, sans-serif";
    const [x0, x1, y0, y1] = bounds;
    const right = x1.toFixed(1);
    context.fillText(`x₁ ${x0.toFixed(1)}`, 3, canvas.height - 4);
    context.fillText(right, canvas.width - context.measureText(right).width - 3, canvas.height - 4);
    context.fillText(`x₂ ${y1.toFixed(1)}`, 3, 11);
    context.fillText(y0.toFixed(1), 3, canvas.height - 16);
  }

  function drawCurve(state) {
    const canvas = $("curve");
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    const curve = state.curve;
    const all = [...curve.train, ...curve.test].filter((v) => v !== null);
    const last = curve.epoch[curve.epoch.length - 1] || 1;
    const top = Math.max(1e-9, ...all);
    const place = (epoch, value) => [
      4 + (epoch / Math.max(last, 1e-9)) * (canvas.width - 8),
      canvas.height - 14 - (value / top) * (canvas.height - 24),
    ];
    for (const [name, color, width] of [["train", "#999", 1.5], ["test", "#111", 1.5]]) {
      context.beginPath();
      let drawing = false;
      curve[name].forEach((value, i) => {
        if (value === null) return;
        const [x, y] = place(curve.epoch[i], value);
        if (drawing) context.lineTo(x, y);
        else context.moveTo(x, y);
        drawing = true;
      });
      context.strokeStyle = color;
      context.lineWidth = width;
      context.stroke();
    }
    context.fillStyle = "#666";
    context.font = "10px system-ui, sans-serif";
    context.fillText(`loss (max ${formatNumber(top, 3)}): training grey, test black; epochs 0–${formatEpoch(last)}`, 4, canvas.height - 3);
  }

  // ---------------------------------------------------------------- the doctor

  function findingItem(finding) {
    const item = document.createElement("li");
    item.className = finding.severity;
    const key = `${finding.code}|${finding.where.join(",")}`;
    if (!app.seenFindings.has(key)) item.classList.add("new");
    const head = document.createElement("div");
    const severity = document.createElement("span");
    severity.className = "severity";
    severity.textContent = finding.severity;
    const code = document.createElement("span");
    code.className = "code";
    code.textContent = finding.code;
    head.append(severity, code);
    if (finding.since !== null) head.append(` (since epoch ${formatEpoch(finding.since)})`);
    const where = document.createElement("div");
    where.className = "where";
    for (const name of finding.where.slice(0, 12)) {
      const link = document.createElement("a");
      link.textContent = name;
      link.addEventListener("click", () => selectByName(name));
      where.append(link, " ");
    }
    if (finding.where.length > 12) where.append(`and ${finding.where.length - 12} more`);
    const message = document.createElement("div");
    message.className = "message";
    message.textContent = finding.message;
    const advice = document.createElement("div");
    advice.className = "advice";
    advice.textContent = finding.advice ? "Try: " + finding.advice : "";
    item.append(head, where, message, advice);
    return {item, key};
  }

  function showFindings(findings) {
    const list = $("findings");
    list.replaceChildren();
    const keys = [];
    for (const finding of findings) {
      const {item, key} = findingItem(finding);
      keys.push(key);
      list.appendChild(item);
    }
    keys.forEach((key) => app.seenFindings.add(key));
    $("doctor-count").textContent = findings.length ?
      `${findings.length} finding${findings.length === 1 ? "" : "s"}, marked on the graph` :
      "no findings: nothing the doctor checks for looks wrong";
  }

  function fillFindings(list, findings) {
    list.replaceChildren(...findings.map((finding) => findingItem(finding).item));
  }

  // ---------------------------------------------------------------- the inspector

  function select(what) {
    app.selected = what;
    markSelection();
    refreshInspector(true);
    drawBoundary(app.state);
  }

  function selectByName(name) {
    if (name.includes(" -> ")) {
      const [source, target] = name.split(" -> ");
      select({kind: "synapse", source, target});
    } else if (name.includes("[")) {
      select({kind: "neuron", name});
    }
  }

  function markSelection() {
    document.querySelectorAll(".selected").forEach((element) => element.classList.remove("selected"));
    const selected = app.selected;
    if (!selected) return;
    if (selected.kind === "neuron") {
      const node = document.querySelector(`.node[data-neuron="${CSS.escape(selected.name)}"]`);
      if (node) node.classList.add("selected");
    } else {
      const name = `${selected.source} -> ${selected.target}`;
      const link = document.querySelector(`path.link[data-synapse="${CSS.escape(name)}"]`);
      if (link) link.classList.add("selected");
    }
  }

  function chooseSample(split, index) {
    const points = app.state.data[split];
    if (!points.length) {
      showNote("There are no test points: the test ratio is 0.");
      return;
    }
    app.sample = {split, index: Math.max(0, Math.min(points.length - 1, Number.isInteger(index) ? index : 0))};
    refreshInspector(true);
    drawBoundary(app.state);
  }

  function pickPoint(event) {
    const state = app.state;
    const canvas = $("boundary");
    const box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * canvas.width;
    const y = ((event.clientY - box.top) / box.height) * canvas.height;
    let best = null;
    const splits = $("show-test").checked ? ["train", "test"] : ["train"];
    for (const split of splits) {
      state.data[split].forEach(([a, b], index) => {
        const [px, py] = toCanvas(canvas, state.data.bounds, a, b);
        const distance = Math.hypot(px - x, py - y);
        if (!best || distance < best.distance) best = {split, index, distance};
      });
    }
    if (best && best.distance < 12) {
      if (!app.selected || app.selected.kind !== "neuron") app.selected = {kind: "neuron", name: "output[0]"};
      chooseSample(best.split, best.index);
      markSelection();
    }
  }

  async function refreshInspector(now = false) {
    const selected = app.selected;
    if (!selected) return;
    if (!now && app.playing && performance.now() - app.lastInspect < 1000) return;
    app.lastInspect = performance.now();
    try {
      if (selected.kind === "neuron") {
        const answer = await request("explain", {neuron: selected.name, sample: app.sample.index, split: app.sample.split});
        showNeuron(answer);
      } else {
        const answer = await request("synapse", {source: selected.source, target: selected.target});
        showSynapse(answer);
      }
    } catch (error) {
      if (error.field === "neuron" || error.field === "source" || error.field === "target") {
        app.selected = null; // it went with a change of the network
        $("neuron-view").hidden = $("synapse-view").hidden = true;
        $("inspect-title").textContent = "click a neuron or a synapse";
      } else {
        showError(error);
      }
    }
  }

  function showNeuron(answer) {
    if (!app.selected || app.selected.kind !== "neuron" || app.selected.name !== answer.neuron) return;
    $("synapse-view").hidden = true;
    $("neuron-view").hidden = false;
    $("inspect-title").textContent = `neuron ${answer.neuron}`;
    $("sample-split").value = answer.sample.split;
    $("sample-index").value = String(answer.sample.index);
    $("sample-index").max = String(app.state.data[answer.sample.split].length - 1);
    const target = answer.sample.target.map((v) => formatNumber(v, 3)).join(", ");
    $("sample-point").textContent = `x = (${answer.sample.x.map((v) => formatNumber(v, 3)).join(", ")}), target ${target}`;
    $("explain-text").textContent = answer.text;
    fillFindings($("neuron-findings"), answer.findings);
  }

  function showSynapse(answer) {
    const selected = app.selected;
    if (!selected || selected.kind !== "synapse" || `${selected.source} -> ${selected.target}` !== answer.name) return;
    $("neuron-view").hidden = true;
    $("synapse-view").hidden = false;
    $("inspect-title").textContent = `synapse ${answer.name}`;
    $("synapse-weight").textContent = formatNumber(answer.weight);
    const history = answer.history;
    $("synapse-grad").textContent = formatNumber(history.grad[history.grad.length - 1]);
    if (document.activeElement !== $("weight-input")) $("weight-input").value = String(answer.weight);
    drawHistory(history);
    fillFindings($("synapse-findings"), answer.findings);
  }

  function drawHistory(history) {
    const canvas = $("synapse-history");
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    const last = Math.max(1e-9, history.epoch[history.epoch.length - 1] || 0);
    const series = [["weight", history.weight, POSITIVE, 8], ["gradient", history.grad, NEGATIVE, canvas.width / 2]];
    for (const [name, values, color, labelX] of series) {
      const finite = values.filter((v) => v !== null);
      const size = Math.max(1e-12, ...finite.map(Math.abs));
      const y = (value) => canvas.height / 2 - (value / size) * (canvas.height / 2 - 14);
      context.strokeStyle = "#ddd";
      context.beginPath();
      context.moveTo(0, canvas.height / 2);
      context.lineTo(canvas.width, canvas.height / 2);
      context.stroke();
      context.beginPath();
      values.forEach((value, i) => {
        if (value === null) return;
        const x = 4 + (history.epoch[i] / last) * (canvas.width - 8);
        if (i === 0) context.moveTo(x, y(value));
        else context.lineTo(x, y(value));
      });
      context.strokeStyle = css(color);
      context.lineWidth = 1.5;
      context.stroke();
      context.fillStyle = css(color);
      context.font = "11px system-ui, sans-serif";
      context.fillText(`${name} (scale ±${formatNumber(size, 3)})`, labelX, 12);
    }
    context.fillStyle = "#666";
    context.fillText(`epochs 0–${formatEpoch(last)}`, 8, canvas.height - 4);
  }

  function setWeight() {
    const selected = app.selected;
    if (!selected || selected.kind !== "synapse") return;
    stopPlaying();
    change("weight", {source: selected.source, target: selected.target, weight: valueOf($("weight-input"))});
  }

  async function prune() {
    const selected = app.selected;
    if (!selected || selected.kind !== "synapse") return;
    stopPlaying();
    const state = await change("prune", {source: selected.source, target: selected.target});
    if (state) {
      app.selected = null;
      $("synapse-view").hidden = true;
      $("inspect-title").textContent = `pruned ${selected.source} -> ${selected.target}; click a neuron or a synapse`;
    }
  }

  // ---------------------------------------------------------------- starting

  async function start() {
    const query = location.search.replace(/^\?/, "");
    let answer;
    try {
      answer = await api("start", query ? {query} : {});
    } catch (error) {
      if (!query || error.status !== 400) {
        showError(error);
        return;
      }
      answer = await api("start", {});
      app.session = answer.session;
      app.choices = answer.choices;
      buildControls();
      render(answer.state);
      showNote(`The address's configuration was refused (${error.message}); this is the default one.`);
      return;
    }
    app.session = answer.session;
    app.choices = answer.choices;
    buildControls();
    render(answer.state);
  }

  window.addEventListener("pagehide", () => {
    if (!app.session) return;
    fetch("/api/close", {
      method: "POST",
      keepalive: true,
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({session: app.session}),
    }).catch(() => undefined);
  });

  start();
})();
