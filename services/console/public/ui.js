// Small DOM helpers: every control made here has a visible label, every message a live region.

let nextId = 0;
export const uid = (prefix = 'f') => `${prefix}-${++nextId}`;

/** `h('button', { type: 'button', onclick }, 'Save')`: props set as properties where the element has them. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else if (key === 'value' || key === 'checked' || key === 'selected') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A labelled control: `control` gets an id, the label points at it, a hint is read with it. */
export function field(label, control, hint) {
  control.id ||= uid();
  const wrap = h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
  if (hint) {
    const hintId = uid('hint');
    control.setAttribute('aria-describedby', hintId);
    wrap.append(h('p', { class: 'hint', id: hintId }, hint));
  }
  return wrap;
}

export function checkbox(label, checked, hint) {
  const box = h('input', { type: 'checkbox', checked: Boolean(checked), id: uid() });
  const wrap = h('div', { class: 'field check' }, box, h('label', { for: box.id }, label));
  if (hint) {
    const hintId = uid('hint');
    box.setAttribute('aria-describedby', hintId);
    wrap.append(h('p', { class: 'hint', id: hintId }, hint));
  }
  return { wrap, box };
}

/** `options`: [value, text] pairs; `selected` the value chosen. */
export function select(options, selected, props = {}) {
  return h(
    'select',
    props,
    options.map(([value, text]) => h('option', { value, selected: value === selected }, text)),
  );
}

/** A live region for a form's outcome: errors are alerts, the rest polite status. */
export function messageArea() {
  const el = h('div', { class: 'message', role: 'status', 'aria-live': 'polite' });
  return {
    el,
    ok(text) {
      el.className = 'message ok';
      el.setAttribute('role', 'status');
      replace(el, text);
    },
    error(err) {
      el.className = 'message error';
      el.setAttribute('role', 'alert');
      const details = err && Array.isArray(err.details) && err.details.length > 1 ? err.details : [];
      replace(
        el,
        h('p', {}, err instanceof Error ? err.message : String(err)),
        details.length
          ? h(
              'ul',
              {},
              details.map((d) => h('li', {}, d.message)),
            )
          : null,
      );
    },
    clear() {
      el.className = 'message';
      replace(el);
    },
  };
}

/** A button that copies `text()` and says so. */
export function copyButton(label, text) {
  const said = h('span', { class: 'copied', role: 'status', 'aria-live': 'polite' });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: async () => {
        const value = text();
        try {
          await navigator.clipboard.writeText(value);
          replace(said, 'Copied');
        } catch {
          replace(said, 'Select the text and copy it (the browser refused the clipboard)');
        }
        setTimeout(() => replace(said), 4000);
      },
    },
    label,
  );
  return h('span', { class: 'copy' }, button, said);
}

/**
 * A table: `columns` of { key, label, render?(row), numeric? }. With `sortable`, each
 * header is a button that sorts (calling `onSort(key)`); `sorted` = { key, desc }.
 */
export function table(columns, rows, { caption, sortable, sorted, onSort, footer, empty = 'Nothing yet.' } = {}) {
  const head = h(
    'tr',
    {},
    columns.map((c) => {
      const isSorted = sorted && sorted.key === c.key;
      const th = h('th', { scope: 'col', class: c.numeric ? 'num' : '' });
      if (sortable && c.sortable !== false) {
        th.setAttribute('aria-sort', isSorted ? (sorted.desc ? 'descending' : 'ascending') : 'none');
        th.append(
          h(
            'button',
            { type: 'button', class: 'sort', onclick: () => onSort(c.key) },
            c.label,
            isSorted ? (sorted.desc ? ' ▼' : ' ▲') : '',
          ),
        );
      } else th.append(c.label);
      return th;
    }),
  );
  const body = rows.length
    ? rows.map((row) =>
        h(
          'tr',
          {},
          columns.map((c) => h('td', { class: c.numeric ? 'num' : c.nowrap ? 'nowrap' : '' }, c.render ? c.render(row) : show(row[c.key]))),
        ),
      )
    : [h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty))];
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, head),
      h('tbody', {}, body),
      footer
        ? h(
            'tfoot',
            {},
            h(
              'tr',
              {},
              columns.map((c, i) =>
                h(i === 0 ? 'th' : 'td', { class: c.numeric ? 'num' : '', ...(i === 0 ? { scope: 'row' } : {}) }, footer(c)),
              ),
            ),
          )
        : null,
    ),
  );
}

export function show(value) {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });
export const formatNumber = (n) => (n === null || n === undefined ? '—' : numberFormat.format(n));

export const when = (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');

export function section(title, ...children) {
  const id = uid('s');
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

export const link = (href, text, props = {}) => h('a', { href, ...props }, text);

let flashed = null;
/** A message for the page about to be shown (after a change that re-renders it). */
export function flash(text) {
  flashed = text;
}
export function takeFlash() {
  const text = flashed;
  flashed = null;
  return text;
}

/**
 * A button that opens a full-width row under its own, holding what `content()` makes;
 * pressed again, it closes it. One detail row per table row: another button's replaces it.
 */
export function detailButton(label, content) {
  const button = h('button', { type: 'button', class: 'secondary small', 'aria-expanded': 'false' }, label);
  button.addEventListener('click', async () => {
    const row = button.closest('tr');
    const open = row.nextElementSibling && row.nextElementSibling.classList.contains('detail') ? row.nextElementSibling : null;
    const mine = open && open.dataset.by === label;
    if (open) {
      open.remove();
      for (const b of row.querySelectorAll('button[aria-expanded]')) b.setAttribute('aria-expanded', 'false');
    }
    if (mine) return;
    const cell = h('td', { colspan: row.children.length }, h('p', {}, 'Loading…'));
    row.after(h('tr', { class: 'detail', dataset: { by: label } }, cell));
    button.setAttribute('aria-expanded', 'true');
    try {
      replace(cell, await content());
    } catch (err) {
      replace(cell, h('p', { class: 'message error', role: 'alert' }, err.message || String(err)));
    }
    cell.querySelector('input, select, button, a')?.focus();
  });
  return button;
}

/**
 * A form whose submit runs `onSubmit` once at a time: its buttons are disabled until it
 * ends (a double click creates nothing twice), and an error lands in `message`, which
 * is cleared first.
 */
export function submitForm({ message, ...props }, onSubmit, ...children) {
  const form = h('form', props, ...children);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const buttons = [...form.querySelectorAll('button')];
    if (buttons.some((b) => b.dataset.busy)) return;
    for (const b of buttons) b.dataset.busy = 'yes';
    const submit = form.querySelector('button[type="submit"]');
    if (submit) submit.disabled = true;
    message.clear();
    try {
      await onSubmit(event);
    } catch (err) {
      message.error(err);
    } finally {
      for (const b of buttons) delete b.dataset.busy;
      if (submit) submit.disabled = false;
    }
  });
  return form;
}
