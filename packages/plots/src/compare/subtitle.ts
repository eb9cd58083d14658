// The lines under a comparison plot's title.

/** An interval's central coverage in percent (80 when absent). */
export const levelPercent = (level: number | undefined) => Math.round((level ?? 0.8) * 100)

// Headless Vega sizes a title by an estimate of 0.8 em per character, which overstates real text
// by about a third: a subtitle line longer than this widens the whole image with blank space.
const subtitleLineLength = 64

/** `text` broken at spaces into lines of at most subtitleLineLength characters (a longer word stays whole). */
export const wrapSubtitle = (text: string): Array<string> =>
  text.split(" ").reduce<Array<string>>((lines, word) => {
    const last = lines.at(-1)
    if (last !== undefined && last.length + 1 + word.length <= subtitleLineLength) return [...lines.slice(0, -1), `${last} ${word}`]
    return [...lines, word]
  }, [])
