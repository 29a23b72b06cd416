// The API reference page: the vendored Swagger UI over /openapi.json, with the session's CSRF token added to
// every request it sends, so "Try it out" works as the logged-in user (and only as that user).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("swagger-ui");
    if (!node || typeof SwaggerUIBundle === "undefined") return;
    SwaggerUIBundle({
      url: "/openapi.json", domNode: node, deepLinking: true, validatorUrl: null,
      defaultModelsExpandDepth: 0, docExpansion: "list", tryItOutEnabled: false,
      requestInterceptor: function (request) {
        request.headers["X-CSRF-Token"] = node.dataset.csrf;
        request.credentials = "same-origin";
        return request;
      },
    });
  });
})();
