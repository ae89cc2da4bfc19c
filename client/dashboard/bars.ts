/// <reference lib="dom" />
// Horizontal bars drawn as HTML (docs/dashboard.md): a label column cut with an ellipsis and
// whole on hover (its title), one bar per series scaled to the largest value, and the values
// written beside them. Rows of any length stay readable, at any width down to a phone's; an
// empty chart says what will appear instead of drawing an empty box.

export interface BarSeries {
  label: string;
  /** A CSS class giving the colour (.s-active, .s-estimate, …), shared with the legend. */
  cls: string;
}
export interface BarRow {
  label: string;
  /** The full name, shown on hover. */
  title: string;
  values: number[];
  /** The values as written beside the bars. */
  texts: string[];
}

export function legend(series: BarSeries[]): HTMLElement {
  const p = document.createElement('p');
  p.className = 'legend';
  for (const s of series) {
    const item = document.createElement('span');
    item.className = 'key';
    const sw = document.createElement('span');
    sw.className = `sw ${s.cls}`;
    item.append(sw, document.createTextNode(s.label));
    p.append(item);
  }
  return p;
}

export function emptyNote(text: string): HTMLElement {
  const p = document.createElement('p');
  p.className = 'empty';
  p.textContent = text;
  return p;
}

/** Fills `el` with the bars, or with the sentence `empty` when there is no row. */
export function bars(el: HTMLElement, series: BarSeries[], rows: BarRow[], empty: string): void {
  if (!rows.length) {
    el.replaceChildren(emptyNote(empty));
    el.dataset.empty = 'true';
    return;
  }
  delete el.dataset.empty;
  const max = Math.max(1, ...rows.flatMap((r) => r.values));
  const list = document.createElement('div');
  list.className = 'bars';
  for (const r of rows) {
    const row = document.createElement('div');
    row.className = 'bar-row';
    row.title = r.title;
    const name = document.createElement('span');
    name.className = 'bar-label';
    name.textContent = r.label;
    const track = document.createElement('div');
    track.className = 'bar-track';
    series.forEach((s, i) => {
      const line = document.createElement('div');
      line.className = 'bar-line';
      const bar = document.createElement('span');
      bar.className = `bar ${s.cls}`;
      // The longest bar takes 70% of the line, leaving room for its value beside it.
      bar.style.width = `${(r.values[i] / max) * 70}%`;
      const value = document.createElement('span');
      value.className = 'bar-value';
      value.textContent = r.texts[i];
      line.append(bar, value);
      track.append(line);
    });
    row.append(name, track);
    list.append(row);
  }
  el.replaceChildren(legend(series), list);
}
