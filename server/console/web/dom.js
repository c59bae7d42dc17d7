// Building the page from records. Everything that comes from data goes in
// as text (textContent / text nodes), never as HTML: a finding's description
// may hold "<script>" and must show as those characters.

// h('button', {type: 'button', 'data-testid': 'x', onclick: fn}, 'text', child...)
// Attributes named on* become listeners; `class`, `hidden`, `disabled`,
// `checked`, `value` and `selected` are set as properties; children may be
// strings (text nodes), nodes, arrays of them, or null/false (skipped).
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (['hidden', 'disabled', 'checked', 'value', 'selected', 'multiple', 'required'].includes(k)) node[k] = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// A table with a header row; rows are arrays of cells (strings or nodes), or
// {cells, attrs} to set the row's attributes.
export function table(testid, headers, rows) {
  return h('table', {'data-testid': testid, class: 'grid'},
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, rows.map((r) => {
      const {cells, attrs} = Array.isArray(r) ? {cells: r, attrs: {}} : r;
      return h('tr', attrs, cells.map((c) => h('td', {}, c)));
    })));
}

// <select> with options [{value, label}], the current value selected.
export function select(attrs, options, current) {
  return h('select', attrs, options.map((o) =>
    h('option', {value: o.value, selected: String(o.value) === String(current ?? '')}, o.label)));
}

// A labelled form field: <label>text <input></label> keeps them tied
// without ids.
export function field(label, control) {
  return h('label', {class: 'field'}, h('span', {}, label), control);
}

export function section(title, ...children) {
  return h('section', {class: 'card'}, h('h2', {}, title), ...children);
}
