// Side-effect style imports that vite bundles (app.css, uPlot's stylesheet).
declare module '*.css'
