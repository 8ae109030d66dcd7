// Tiny DOM helpers.

/** Creates an element: h('div', {class: 'x', 'data-k': 1}, child, 'text', ...). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** Calls fn at most once per `ms`, on the trailing edge too. */
export function throttle(fn, ms) {
  let last = 0;
  let timer = 0;
  return (...args) => {
    const now = performance.now();
    clearTimeout(timer);
    if (now - last >= ms) {
      last = now;
      fn(...args);
    } else {
      timer = setTimeout(() => {
        last = performance.now();
        fn(...args);
      }, ms - (now - last));
    }
  };
}

/** A categorical palette (Tableau 10), for series without a colour of their own. */
export const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Splits a tidy key `metric|group_by|group`. */
export function splitKey(key) {
  const [metric, groupBy = 'all', group = 'all'] = key.split('|');
  return { metric, groupBy, group };
}

/** "naive_ingroup" → "naive ingroup". */
export const pretty = (s) => String(s).replace(/naive_ingroup/g, 'naive in-group').replace(/_/g, ' ');
