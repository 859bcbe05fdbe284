// No favicon request (the app has none).
export const metadata = { title: "ctct-oauth on Next.js", icons: { icon: "data:," } };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
