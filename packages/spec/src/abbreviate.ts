/** The first line of `text`, cut to `maxLength` characters with "..." when longer: for echoing input in a message. */
export const abbreviate = (text: string, maxLength = 60): string => {
  const firstLine = text.split("\n")[0] ?? ""
  return firstLine.length > maxLength ? `${firstLine.slice(0, maxLength - 3)}...` : firstLine
}
