/* The project page's workflow diagram: fetch {xml, completed, active} and draw it with
 * camunda-bpmn-js's navigated viewer (global BpmnNavigatedViewer), marking what the project
 * has done (tg-completed) and where it is now (tg-active). */
(function () {
  'use strict';

  var container = document.getElementById('tg-diagram');
  if (!container) {
    return;
  }
  var status = container.querySelector('.tg-diagram-status');

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function mark(viewer, ids, marker, skip) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    (ids || []).forEach(function (id) {
      if (registry.get(id) && !(skip && skip.has(id))) {
        canvas.addMarker(id, marker);
      }
    });
  }

  if (typeof window.BpmnNavigatedViewer === 'undefined') {
    say('The diagram viewer could not be loaded.');
    return;
  }

  fetch(container.dataset.diagramUrl, {
    headers: { Accept: 'application/json' },
    credentials: 'same-origin'
  })
    .then(function (response) {
      if (!response.ok) {
        throw new Error('the server answered ' + response.status);
      }
      return response.json();
    })
    .then(function (data) {
      var viewer = new window.BpmnNavigatedViewer({ container: container });
      return viewer.importXML(data.xml).then(function () {
        if (status) {
          status.remove();
        }
        var active = new Set(data.active || []);
        mark(viewer, data.completed, 'tg-completed', active); // a revisited element is active
        mark(viewer, data.active, 'tg-active');
        var canvas = viewer.get('canvas');
        canvas.zoom('fit-viewport', 'auto');
        var first = viewer.get('elementRegistry').get((data.active || [])[0]);
        if (first && window.matchMedia('(max-width: 767.98px)').matches) {
          canvas.zoom(0.6); // a whole lifecycle is unreadable on a phone: show where it is
          canvas.scrollToElement(first, 80);
        }
        container.classList.add('tg-diagram-ready');
        container.dataset.completed = String((data.completed || []).length);
        container.dataset.active = String(active.size);
      });
    })
    .catch(function (error) {
      say('The diagram could not be shown: ' + error.message);
    });
})();
