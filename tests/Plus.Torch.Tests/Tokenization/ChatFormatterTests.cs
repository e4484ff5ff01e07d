using Microsoft.Extensions.AI;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Tests.Tokenization;

public class ChatFormatterTests
{
    private static readonly ChatTurn[] SystemAndUser = [ChatTurn.System("You are a helpful assistant."), ChatTurn.User("Hi!")];

    [Fact]
    public void ChatMl_renders_the_golden_prompt_and_encodes_to_hf_ids()
    {
        string text = new ChatMlFormatter().Format(SystemAndUser, addGenerationPrompt: true);
        Assert.Equal("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n", text);
        GoldenCase golden = Assert.Single(QwenFixture.Cases, c => c.Text == text);
        Assert.Equal(golden.Ids, QwenFixture.Full.Encode(text));
    }

    [Fact]
    public void ChatMl_adds_no_system_turn_by_default()
    {
        string text = new ChatMlFormatter().Format([ChatTurn.User("Hi"), ChatTurn.Assistant("Hello!"), ChatTurn.User("Bye")], addGenerationPrompt: false);
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n", text);
    }

    [Fact]
    public void ChatMl_with_the_qwen25_default_inserts_it_only_when_there_is_no_system_turn()
    {
        var f = new ChatMlFormatter(ChatMlFormatter.Qwen25DefaultSystemMessage);
        Assert.Equal(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
            f.Format([ChatTurn.User("Hi")], addGenerationPrompt: true));
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n",
            f.Format([ChatTurn.System("Be brief."), ChatTurn.User("Hi")], addGenerationPrompt: false));
        Assert.Equal(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>assistant\n",
            f.Format([], addGenerationPrompt: true));
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n",
            new ChatMlFormatter(ChatMlFormatter.Qwen2DefaultSystemMessage).Format([ChatTurn.User("Hi")], addGenerationPrompt: false));
    }

    [Fact]
    public void ChatMl_stop_strings_and_end_of_turn_match_the_qwen_tokenizer()
    {
        var f = new ChatMlFormatter();
        Assert.Equal("<|im_end|>", f.EndOfTurnToken);
        Assert.Equal(new[] { "<|im_end|>", "<|endoftext|>" }, f.StopStrings);
        Assert.Equal(QwenFixture.Full.EndOfTurnTokenIds, f.StopStrings.Select(s => QwenFixture.Full.TokenToId(s)!.Value));
    }

    [Fact]
    public void Llama3_renders_headers_trimmed_content_and_eot()
    {
        string text = new Llama3Formatter().Format([ChatTurn.System(" Be brief. "), ChatTurn.User("Hi!\n")], addGenerationPrompt: true);
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n",
            text);
        Assert.Equal(
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
            new Llama3Formatter(includeBeginOfText: false).Format([ChatTurn.User("Hi")], addGenerationPrompt: false));
        Assert.Equal("<|eot_id|>", new Llama3Formatter().EndOfTurnToken);
    }

    [Fact]
    public void Unsupported_roles_fail_naming_the_turn()
    {
        var turns = new[] { ChatTurn.User("Hi"), new ChatTurn(ChatRole.Tool, "{}") };
        var ex = Assert.Throws<ArgumentException>(() => new ChatMlFormatter().Format(turns, addGenerationPrompt: false));
        Assert.Contains("Turn 1", ex.Message);
        Assert.Throws<ArgumentException>(() => new Llama3Formatter().Format(turns, addGenerationPrompt: false));
    }

    [Fact]
    public void Formatter_is_picked_from_the_chat_template()
    {
        Assert.IsType<ChatMlFormatter>(ChatFormatters.ForTokenizer(QwenFixture.Full));
        var withDefault = Assert.IsType<ChatMlFormatter>(ChatFormatters.ForTokenizer(QwenFixture.Full, ChatMlFormatter.Qwen25DefaultSystemMessage));
        Assert.Equal(ChatMlFormatter.Qwen25DefaultSystemMessage, withDefault.DefaultSystemMessage);
        Assert.IsType<Llama3Formatter>(ChatFormatters.FromChatTemplate("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}"));

        var unknown = Assert.Throws<InvalidOperationException>(() => ChatFormatters.FromChatTemplate("{{ '[INST] ' + content }}", "my/tokenizer_config.json"));
        Assert.Contains("my/tokenizer_config.json", unknown.Message);
        Assert.Contains("pass an IChatFormatter explicitly", unknown.Message);
        Assert.Throws<InvalidOperationException>(() => ChatFormatters.FromChatTemplate(null));
    }

    [Fact]
    public void Formatter_is_picked_by_name()
    {
        Assert.IsType<ChatMlFormatter>(ChatFormatters.FromName("ChatML"));
        Assert.IsType<Llama3Formatter>(ChatFormatters.FromName("llama3"));
        var ex = Assert.Throws<ArgumentException>(() => ChatFormatters.FromName("vicuna"));
        Assert.Contains("chatml, llama3", ex.Message);
    }
}
