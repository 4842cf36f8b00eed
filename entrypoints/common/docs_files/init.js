// The docs page's only script of ours: Swagger UI over the document this server serves.
// Kept out of the page so that its Content-Security-Policy allows no inline script.
"use strict";
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
  });
});
