export default function Protected() {
  return <p id="protected">Signed in</p>;
}
