// Injected into a copy of a kubetwin HTML page by report_in_chromium.sh (the report itself runs
// no script): after layout, measures what is drawn and writes it into the DOM, one line each,
// for --dump-dom to carry out.
//   chart|TITLE|SVG_WxH|NAME=WxH;NAME=WxH...   every series, projection, sweep curve and band
//                                               (figure.surface-chart), and its bounding box
//   dots|TITLE|N                                probe dots drawn with a non-empty box
//   dot-bottlenecks|TITLE|N                     of those, dots whose tooltip names a bottleneck
//   label|TITLE|CLASS|TEXT|in or out            knee, marker and bottleneck labels: drawn whole
//                                               inside their SVG, or not
//   node|KIND|NAME|WxH                          every topology node
//   edges|N                                     topology edges with a non-empty box
//   error|MESSAGE                               any script error or console.error on the page
(function () {
  var lines = [];
  window.addEventListener('error', function (e) { lines.push('error|' + e.message); });
  var original = console.error;
  console.error = function () {
    lines.push('error|' + Array.prototype.join.call(arguments, ' '));
    original.apply(console, arguments);
  };
  function size(el) {
    var b = el.getBBox();
    return Math.round(b.width) + 'x' + Math.round(b.height);
  }
  window.addEventListener('load', function () {
    document.querySelectorAll('figure.chart, figure.surface-chart').forEach(function (f) {
      var title = f.querySelector('figcaption').textContent;
      var svg = f.querySelector('svg');
      var series = [];
      f.querySelectorAll('path.series, path.projection, path.curve, path.band').forEach(function (p) {
        series.push(p.querySelector('title').textContent + '=' + size(p));
      });
      lines.push('chart|' + title + '|' + size(svg) + '|' + series.join(';'));
      var dots = 0, named = 0;
      f.querySelectorAll('circle.dot').forEach(function (c) {
        if (c.getBBox().width > 0) dots++;
        var t = c.querySelector('title');
        if (t && /first bottleneck: [^-]/.test(t.textContent)) named++;
      });
      if (dots) lines.push('dots|' + title + '|' + dots);
      if (named) lines.push('dot-bottlenecks|' + title + '|' + named);
      var box = svg.getBoundingClientRect();
      f.querySelectorAll('text.knee-label, text.marker-label, text.bottleneck-label').forEach(
        function (t) {
          var r = t.getBoundingClientRect();
          var inside = r.width > 0 && r.left >= box.left - 0.5 && r.right <= box.right + 0.5 &&
                       r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5;
          lines.push('label|' + title + '|' + t.getAttribute('class') + '|' + t.textContent +
                     '|' + (inside ? 'in' : 'out'));
        });
    });
    document.querySelectorAll('svg.topology g.node').forEach(function (g) {
      lines.push('node|' + g.getAttribute('class').replace('node ', '') + '|' +
                 g.querySelector('.node-name').textContent + '|' + size(g));
    });
    var edges = 0;
    document.querySelectorAll('svg.topology path.edge').forEach(function (p) {
      var b = p.getBBox();
      if (b.width > 0 || b.height > 0) edges++;
    });
    lines.push('edges|' + edges);
    var pre = document.createElement('pre');
    pre.id = 'kubetwin-measure';
    pre.textContent = '\n' + lines.join('\n') + '\n';
    document.body.appendChild(pre);
  });
})();
