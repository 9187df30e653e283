// Starts the vendored Swagger UI on /api/v1/docs. A file, not an inline script, so the page
// keeps the strict content security policy. Requests from the page carry the CSRF token,
// because the API also accepts the signed-in session.
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  settings.dom_id = "#swagger-ui";
  settings.presets = [window.SwaggerUIBundle.presets.apis];
  settings.requestInterceptor = function (request) {
    if (token) {
      request.headers["X-CSRFToken"] = token;
    }
    return request;
  };
  window.SwaggerUIBundle(settings);
})();
