using Plus.ZeroShot;

namespace Plus.Core.Tests.ZeroShot;

public class JudgeAnswerParserTests
{
    [Theory]
    [InlineData("Option 1", 1)]
    [InlineData("option 2.", 2)]
    [InlineData("OPTION 2", 2)]
    [InlineData("**Option 1**", 1)]
    [InlineData("\"Option: 2\"", 2)]
    [InlineData("Option-1, because it is shorter.", 1)]
    [InlineData("Option #2", 2)]
    [InlineData("Option 1 is better than Option 2.", 1)]
    [InlineData("2", 2)]
    [InlineData(" 1. ", 1)]
    [InlineData("The user would prefer option 2 here.", 2)]
    [InlineData("I think Option 2, since the user values brevity", 2)]
    public void Clear_answers_parse(string answer, int expected) => Assert.Equal(expected, JudgeAnswerParser.Parse(answer));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("I cannot decide.")]
    [InlineData("Between Option 1 and Option 2, the second.")]
    [InlineData("Option 12")]
    [InlineData("Option 3")]
    public void Unclear_answers_do_not_parse(string? answer) => Assert.Null(JudgeAnswerParser.Parse(answer));
}
